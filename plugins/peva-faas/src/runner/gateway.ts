/**
 * The gateway's `/system/functions` (replicas, images) and scale APIs with basic auth (upstream parsed
 * `faas-cli list` on a host that was never logged in, silently reading 0 replicas: defect 12). Failing loudly is
 * the point.
 */

/** Basic-auth credentials of the gateway. */
export interface GatewayAuth {
  readonly user: string;
  readonly password: string;
}

/** The `Authorization` header value of HTTP basic auth. */
export function basicAuthorization(auth: GatewayAuth): string {
  return `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`;
}

/**
 * Scales each function in `names` to `replicas` through `POST /system/scale-function/<name>` (OpenFaaS's API, which
 * the embedded platform implements too). Never throws: returns one message per function the gateway did not
 * scale (no such API, refused, unreachable), so the caller can fall back to waiting.
 */
export async function scaleFunctions(gatewayUrl: string, auth: GatewayAuth, names: readonly string[], replicas: number, timeoutMs = 5_000): Promise<string[]> {
  const failures: string[] = [];
  for (const name of names) {
    const url = `${gatewayUrl.replace(/\/+$/, "")}/system/scale-function/${encodeURIComponent(name)}`;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { authorization: basicAuthorization(auth), "content-type": "application/json" },
        body: JSON.stringify({ serviceName: name, replicas }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      if (!res.ok) failures.push(`${name}: gateway answered ${res.status} at ${url}`);
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)} at ${url}`);
    }
  }
  return failures;
}

/** One function as the gateway's `/system/functions` lists it. */
export interface ListedFunction {
  /** Available replicas (else the desired ones; NaN when the gateway reports neither). */
  readonly replicas: number;
  /** The image the gateway runs it from, when it says. */
  readonly image?: string;
}

/** The functions the gateway lists, by name. Throws on a refused login, an HTTP error or no answer in `timeoutMs`. */
export async function listFunctions(gatewayUrl: string, auth: GatewayAuth, timeoutMs = 5_000): Promise<Map<string, ListedFunction>> {
  const url = `${gatewayUrl.replace(/\/+$/, "")}/system/functions`;
  const res = await fetch(url, {
    headers: { authorization: basicAuthorization(auth) },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status === 401) throw new Error(`gateway refused the credentials of user '${auth.user}' (401) at ${url}`);
  if (!res.ok) throw new Error(`gateway answered ${res.status} at ${url}`);
  const list = (await res.json()) as { name?: unknown; replicas?: unknown; availableReplicas?: unknown; image?: unknown }[];
  const functions = new Map<string, ListedFunction>();
  for (const f of list) {
    if (typeof f.name !== "string") continue;
    const n = typeof f.availableReplicas === "number" ? f.availableReplicas : f.replicas;
    functions.set(f.name, { replicas: typeof n === "number" ? n : Number.NaN, ...(typeof f.image === "string" ? { image: f.image } : {}) });
  }
  return functions;
}

/** Replicas per function name, as the gateway reports them (see {@link listFunctions}). */
export async function fetchReplicas(gatewayUrl: string, auth: GatewayAuth, timeoutMs = 5_000): Promise<Map<string, number>> {
  const functions = await listFunctions(gatewayUrl, auth, timeoutMs);
  return new Map([...functions].map(([name, f]) => [name, f.replicas]));
}

/**
 * The OpenFaaS gateway's function API as the `OpenFaasFunction` resource uses it: deploy, update, remove and
 * status of one function, with basic auth. Every request is bounded in time; the readiness wait in count and time.
 */
import { deploymentBody, type FunctionSpec } from "../../plan/openfaas-function.ts";
import { FunctionNotReadyError, GatewayAuthError, GatewayRequestError } from "./errors.ts";

/** Where the gateway is and how to sign in. */
export interface GatewayAccess {
  readonly gatewayUrl: string;
  readonly password: string;
}

/** A function's status as the gateway reports it (the fields the resource reads). */
export interface FunctionStatus {
  readonly name: string;
  readonly image: string;
  readonly envProcess?: string;
  readonly envVars?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly limits?: { memory?: string; cpu?: string };
  readonly replicas: number;
  readonly availableReplicas: number;
}

const REQUEST_TIMEOUT_MS = 30_000;

async function call(access: GatewayAccess, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const auth = Buffer.from(`admin:${access.password}`).toString("base64");
  const res = await fetch(new URL(path, access.gatewayUrl), {
    method,
    headers: { Authorization: `Basic ${auth}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, text: await res.text() };
}

function check(access: GatewayAccess, action: string, r: { status: number; text: string }): void {
  if (r.status === 401) throw new GatewayAuthError(access.gatewayUrl, action);
  if (r.status < 200 || r.status >= 300) throw new GatewayRequestError(access.gatewayUrl, action, r.status, r.text);
}

// The function name is checked against OPENFAAS_FUNCTION_NAME before any call; encoding keeps the path one segment.
const statusPath = (name: string) => `/system/function/${encodeURIComponent(name)}`;

/** The function's status, or undefined when the gateway does not have it. */
export async function functionStatus(access: GatewayAccess, name: string): Promise<FunctionStatus | undefined> {
  const r = await call(access, "GET", statusPath(name));
  if (r.status === 404) return undefined;
  check(access, `read function ${name}`, r);
  return JSON.parse(r.text) as FunctionStatus;
}

/** Deploys `spec` (`POST`); a function of that name already there is updated instead (an interrupted create). */
export async function deployFunction(access: GatewayAccess, spec: FunctionSpec): Promise<"deployed" | "adopted"> {
  const r = await call(access, "POST", "/system/functions", deploymentBody(spec));
  if (r.status === 409 || (r.status >= 400 && /already exists/i.test(r.text))) {
    await updateFunction(access, spec);
    return "adopted";
  }
  check(access, `deploy function ${spec.name}`, r);
  return "deployed";
}

/** Updates the deployed function in place (`PUT`). */
export async function updateFunction(access: GatewayAccess, spec: FunctionSpec): Promise<void> {
  check(access, `update function ${spec.name}`, await call(access, "PUT", "/system/functions", deploymentBody(spec)));
}

/** Removes the function; one the gateway does not have counts as removed. */
export async function removeFunction(access: GatewayAccess, name: string): Promise<void> {
  const r = await call(access, "DELETE", "/system/functions", { functionName: name });
  if (r.status === 404) return;
  check(access, `remove function ${name}`, r);
}

/** Waits until the function reports a ready replica, polling once a second for at most `timeoutSeconds`. */
export async function waitUntilReady(access: GatewayAccess, name: string, timeoutSeconds: number): Promise<FunctionStatus> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "not listed yet";
  for (let attempt = 0; attempt <= timeoutSeconds; attempt++) {
    const s = await functionStatus(access, name);
    if (s && s.availableReplicas >= 1) return s;
    if (s) last = `replicas ${s.replicas}, available ${s.availableReplicas}`;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - Date.now()))));
  }
  throw new FunctionNotReadyError(access.gatewayUrl, name, timeoutSeconds, last);
}

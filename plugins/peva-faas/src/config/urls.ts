/**
 * Service URL templating (reference §2.2 `gateway_url` / `prometheus_url`). Pure functions.
 *
 * `{host.address}` is replaced, and so is a loopback/wildcard host (`127.0.0.1`, `localhost`, `0.0.0.0`), by the
 * first available candidate: `k3s_host`, the runner's `LB_RUN_HOST_ADDRESS`, the target name, the local IP.
 * Unlike upstream, only the URL's host part is ever replaced, and IPv6 addresses are bracketed.
 */

/** The template token. */
export const HOST_TEMPLATE = "{host.address}";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "0.0.0.0"]);

/** Candidates for the host replacement, in priority order; empty/undefined entries are skipped. */
export interface HostCandidates {
  readonly k3sHost?: string | undefined;
  readonly runHostAddress?: string | undefined;
  readonly targetName?: string | undefined;
  readonly localIp?: string | undefined;
}

/** Returns a problem description when `value` is not an http(s) URL (template allowed), else `undefined`. */
export function hostTemplateProbe(value: string): string | undefined {
  const probe = value.split(HOST_TEMPLATE).join("template-host.invalid");
  let url: URL;
  try {
    url = new URL(probe);
  } catch {
    return `invalid URL: ${value}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `unsupported URL scheme ${url.protocol.replace(/:$/, "")} (http or https only)`;
  }
  if (url.username !== "" || url.password !== "") {
    // Settings are stored in plain text in the stack's state and outputs; a password there is a leaked password.
    return "must not carry credentials (user:password@): settings are stored in plain text in the stack's state and outputs";
  }
  return undefined;
}

/** The first non-empty candidate, or `undefined`. */
export function pickHost(c: HostCandidates): string | undefined {
  for (const v of [c.k3sHost, c.runHostAddress, c.targetName, c.localIp]) {
    if (v !== undefined && v.trim() !== "") return v.trim();
  }
  return undefined;
}

/**
 * Resolves a service URL template against the host candidates. Returns the URL without a trailing slash.
 * Throws when the template needs a host and no candidate is available.
 */
export function resolveServiceUrl(template: string, candidates: HostCandidates): string {
  const host = pickHost(candidates);
  const hostPart = host !== undefined && host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  let text = template.trim();
  if (text.includes(HOST_TEMPLATE)) {
    if (hostPart === undefined) throw new Error(`no host available to fill ${HOST_TEMPLATE} in ${template}`);
    text = text.split(HOST_TEMPLATE).join(hostPart);
  }
  const url = new URL(text);
  if (LOOPBACK_HOSTS.has(url.hostname) && hostPart !== undefined) url.hostname = hostPart;
  return url.toString().replace(/\/+$/, "");
}

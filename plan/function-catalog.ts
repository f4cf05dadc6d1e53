/**
 * The DFaaS benchmark functions as peva-lab deploys them on OpenFaaS: image, process, environment and the request
 * body the campaign sends. Pure data. Images and processes are the OpenFaaS store's (its `functions.json`), the
 * bodies DFaaS's (`FUNCTION_BODIES`). The store publishes most of these only as `:latest`; pin one by digest with the
 * stack's own `image` for a function when a campaign must be repeatable to the byte (the image is part of what the
 * platform identity records).
 */

/** How one catalogue function is deployed and exercised. */
export interface CatalogFunction {
  readonly image: string;
  /** The watchdog's `fprocess` for images that wrap a CLI (the store's alpine image runs `env`, `sha512sum`, …). */
  readonly envProcess?: string;
  readonly envVars: Readonly<Record<string, string>>;
  /** What a request sends (DFaaS's body). */
  readonly body: string;
  readonly method: "POST" | "GET";
}

/** The DFaaS function set, by function name. */
export const FUNCTION_CATALOG: Readonly<Record<string, CatalogFunction>> = {
  figlet: { image: "ghcr.io/openfaas/figlet:latest", envProcess: "figlet", envVars: {}, body: "Hello DFaas!", method: "POST" },
  shasum: { image: "ghcr.io/openfaas/alpine:latest", envProcess: "sha512sum", envVars: {}, body: "abcde", method: "POST" },
  env: { image: "ghcr.io/openfaas/alpine:latest", envProcess: "env", envVars: {}, body: "", method: "POST" },
  nmap: { image: "functions/nmap:0.13.0", envVars: { read_timeout: "300s", write_timeout: "300s" }, body: "127.0.0.1", method: "POST" },
  curl: { image: "ghcr.io/openfaas/curl:latest", envVars: { write_timeout: "60s" }, body: "http://www.google.com", method: "POST" },
  // Not in the OpenFaaS store: DFaaS builds it. No public image is known to peva-lab, so deploying it needs the
  // stack to name one (`functions[].image`); the catalogue keeps its body so campaigns send what DFaaS sent.
  "eat-memory": { image: "", envVars: {}, body: "", method: "POST" },
};

/** The catalogue entry of `name`, or undefined for a function the catalogue does not know. */
export function catalogFunction(name: string): CatalogFunction | undefined {
  return Object.hasOwn(FUNCTION_CATALOG, name) ? FUNCTION_CATALOG[name] : undefined;
}

/**
 * The DFaaS benchmark functions as peva-lab deploys them on OpenFaaS: image, process and environment. Pure data.
 * Images and processes are the OpenFaaS store's (its `functions.json`); the request bodies are the workload's
 * (peva-faas sends DFaaS's body to a function named without one). The store publishes most of these only as
 * `:latest`; the stack's `platform.functions.<name>.image` pins one by digest when a campaign must be repeatable to
 * the byte (each deployed image is part of the platform identity).
 */

/** How one catalogue function is deployed. */
export interface CatalogFunction {
  readonly image: string;
  /** The watchdog's `fprocess` for images that wrap a CLI (the store's alpine image runs `env`, `sha512sum`, …). */
  readonly envProcess?: string;
  readonly envVars: Readonly<Record<string, string>>;
}

/** The DFaaS function set, by function name. */
export const FUNCTION_CATALOG: Readonly<Record<string, CatalogFunction>> = {
  figlet: { image: "ghcr.io/openfaas/figlet:latest", envProcess: "figlet", envVars: {} },
  shasum: { image: "ghcr.io/openfaas/alpine:latest", envProcess: "sha512sum", envVars: {} },
  env: { image: "ghcr.io/openfaas/alpine:latest", envProcess: "env", envVars: {} },
  nmap: { image: "functions/nmap:0.13.0", envVars: { read_timeout: "300s", write_timeout: "300s" } },
  curl: { image: "ghcr.io/openfaas/curl:latest", envVars: { write_timeout: "60s" } },
  // Not in the OpenFaaS store: DFaaS builds it. No public image is known to peva-lab, so the lab deploys it only
  // when the stack names one (`platform.functions.eat-memory.image`).
  "eat-memory": { image: "", envVars: {} },
};

/** The catalogue entry of `name`, or undefined for a function the catalogue does not know. */
export function catalogFunction(name: string): CatalogFunction | undefined {
  return Object.hasOwn(FUNCTION_CATALOG, name) ? FUNCTION_CATALOG[name] : undefined;
}

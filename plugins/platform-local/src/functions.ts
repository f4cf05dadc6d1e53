/**
 * The functions the local platform serves: their names, default request bodies (the DFaaS list), content types and
 * the `iterations` work knob. Pure data; the implementations live in `handlers.ts` and run in worker processes.
 */

/** Every function the local platform knows, in listing order. */
export const FUNCTION_NAMES = ["figlet", "shasum", "env", "markdown", "qrcode"] as const;

/** One of {@link FUNCTION_NAMES}. */
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** True when `value` names a function of the local platform. */
export function isFunctionName(value: string): value is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(value);
}

/**
 * Request body each function is exercised with, from the DFaaS function list (what PEVA-FAAS sends by default).
 * `env` takes no input.
 */
export const DEFAULT_BODIES: Readonly<Record<FunctionName, string>> = {
  figlet: "Hello DFaas!",
  shasum: "abcde",
  env: "",
  markdown: "# Title\n**Hello** world!",
  qrcode: "http://www.google.com",
};

/**
 * How many times one invocation repeats its real operation (only the last result is returned).
 *
 * Why the knob exists: the bare operations cost 1 µs (sha256 of 5 bytes) to 0.4 ms (a QR code) of CPU, so through a
 * gateway on a 2-core laptop they would never overload below ~1000 req/s, and a PEVA-FAAS campaign of rates 0..200
 * would only measure the gateway. Repeating the same real work scales the per-request CPU cost without faking it:
 * no sleeps, no busy-wait on a clock, and the cost still varies with the body and the machine.
 *
 * The defaults were measured on a 2-vCPU Xeon (see README, "Capacity"): each costs roughly 8–12 ms of CPU per request
 * with the default body, so a function with 4 replicas saturates around 100–200 req/s on 2 cores once the gateway,
 * the load generator and Prometheus take their share. Set 1 for the bare operation.
 */
export const DEFAULT_ITERATIONS: Readonly<Record<FunctionName, number>> = {
  figlet: 150,
  shasum: 16_000,
  env: 1_300,
  markdown: 2_400,
  qrcode: 40,
};

/** `Content-Type` of each function's response. */
export const CONTENT_TYPES: Readonly<Record<FunctionName, string>> = {
  figlet: "text/plain; charset=utf-8",
  shasum: "text/plain; charset=utf-8",
  env: "text/plain; charset=utf-8",
  markdown: "text/html; charset=utf-8",
  qrcode: "image/svg+xml",
};

/** The image name `/system/functions` reports, so clients expecting OpenFaaS see a plausible value. */
export function imageOf(name: string): string {
  return `peva-local/${name}`;
}

/**
 * The campaign's core vocabulary, shared by the planner, the executor, the schedulers and the memory store.
 * Pure data and pure functions only.
 */
import { createHash } from "node:crypto";

/**
 * A function name: a DNS-1123 label (lowercase letters, digits, `-`; 1–63 characters; starts and ends with a letter
 * or digit), which is what OpenFaaS on Kubernetes accepts. It holds neither `:` nor `|`, so
 * {@link configKeyString} is unambiguous, and it needs no encoding in a URL path, a file name, a script or a shell.
 */
export const FUNCTION_NAME_PATTERN = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** {@link FUNCTION_NAME_PATTERN} in words, for error messages. */
export const FUNCTION_NAME_RULE =
  "function names must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit (as OpenFaaS requires)";

/** One function at one request rate (requests per second) inside a configuration. */
export interface FunctionRate {
  /** OpenFaaS function name, e.g. `figlet`. */
  readonly name: string;
  /** Target request rate in requests per second; 0 means the function gets no load. */
  readonly rate: number;
}

/**
 * A configuration: the set of functions loaded together and the rate of each.
 * Invariant: `pairs` is sorted by function name and names are unique (use {@link makeConfiguration}).
 */
export interface Configuration {
  /** `config_id`: first 12 hex chars of sha256 over `name:rate|name:rate` (sorted by name). */
  readonly id: string;
  /** Pairs sorted by function name. */
  readonly pairs: readonly FunctionRate[];
}

/** The canonical string a configuration is hashed from: `name:rate` pairs sorted by name, joined by `|`. */
export function configKeyString(pairs: readonly FunctionRate[]): string {
  return sortPairs(pairs)
    .map((p) => `${p.name}:${p.rate}`)
    .join("|");
}

/** `config_id` exactly as upstream computes it (reference §4.6): sha256 hex, first 12 characters. */
export function configId(pairs: readonly FunctionRate[]): string {
  return createHash("sha256").update(configKeyString(pairs), "utf8").digest("hex").slice(0, 12);
}

/**
 * Builds a {@link Configuration}, sorting the pairs and rejecting names outside {@link FUNCTION_NAME_PATTERN},
 * duplicate names or invalid rates: a name with `:` or `|` could make two configurations share one id.
 */
export function makeConfiguration(pairs: readonly FunctionRate[]): Configuration {
  const sorted = sortPairs(pairs);
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (!FUNCTION_NAME_PATTERN.test(p.name)) throw new RangeError(`${JSON.stringify(p.name)}: ${FUNCTION_NAME_RULE}`);
    if (!Number.isInteger(p.rate) || p.rate < 0) {
      throw new RangeError(`rate of function '${p.name}' must be a non-negative integer, got ${p.rate}`);
    }
    if (i > 0 && sorted[i - 1]!.name === p.name) {
      throw new RangeError(`function '${p.name}' appears twice in one configuration`);
    }
  }
  return { id: configId(sorted), pairs: sorted };
}

/** The sorted function-name tuple of a configuration, joined by `|`: configurations in one "function set". */
export function functionSetKey(config: Configuration): string {
  return config.pairs.map((p) => p.name).join("|");
}

function sortPairs(pairs: readonly FunctionRate[]): FunctionRate[] {
  return [...pairs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

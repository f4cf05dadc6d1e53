/**
 * k6 ids of functions: one per function, used in metric, scenario and exec-function names. Pure.
 *
 * Rule (unchanged from the workload's k6 module, plus a length cap): every character outside `[A-Za-z0-9_]`
 * becomes `_`; an empty id becomes `fn`; an id starting with a digit gets the prefix `fn_`; an id longer than
 * {@link MAX_ID_LENGTH} is cut to that length (k6 metric names are at most 128 characters and the longest metric
 * prefix is 17). Names are processed in sorted order; when an id is taken, the suffixes `_2`, `_3`, … are tried
 * until a free one is found.
 *
 * Ids only ever appear in identifiers and metric names; the function names themselves enter the script as JSON
 * data, never as code.
 */

/** Longest id before the uniqueness suffix. */
export const MAX_ID_LENGTH = 96;

/** Sanitises one function name into an identifier fragment (without the uniqueness step). */
export function sanitizeMetricId(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, "_");
  if (id === "") id = "fn";
  if (/^[0-9]/.test(id)) id = `fn_${id}`;
  return id.slice(0, MAX_ID_LENGTH);
}

/** Assigns a unique id to every name (processed in sorted order). Returns name → id. */
export function assignMetricIds(names: readonly string[]): Map<string, string> {
  const sorted = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const name of sorted) {
    const base = sanitizeMetricId(name);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    out.set(name, id);
  }
  return out;
}

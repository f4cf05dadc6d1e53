/**
 * k6 metric ids: one per function, used in metric, scenario and exec names. Pure.
 *
 * Rule: every character outside `[A-Za-z0-9_]` becomes `_`; an empty id becomes `fn`; an id starting with a digit
 * gets the prefix `fn_`. Names are processed in sorted order; when an id is already taken, the suffixes `_2`, `_3`,
 * … are tried until a free one is found (upstream checked a single suffix once, which could still collide).
 */

/** Sanitises one function name into an identifier fragment (without the uniqueness step). */
export function sanitizeMetricId(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, "_");
  if (id === "") id = "fn";
  if (/^[0-9]/.test(id)) id = `fn_${id}`;
  return id;
}

/** Assigns a unique metric id to every name (processed in sorted order). Returns name → id. */
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

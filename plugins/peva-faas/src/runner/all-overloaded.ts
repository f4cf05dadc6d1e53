/**
 * Function sets where every measured configuration overloaded. Their frontier is empty, which says nothing about
 * where the capacity is; the summary names the lowest overloaded rates instead, so the user knows where to search.
 */
import { functionSetLabel, type Judged } from "./campaign.ts";
import type { AllOverloadedSet } from "./events.ts";

/**
 * Per function set with at least one verdict and none that is not overloaded (all-zero configurations aside): the
 * overloaded configuration with the smallest total rate (on a tie, the first in `verdicts`' order). Pure.
 */
export function allOverloadedSetsOf(verdicts: readonly Judged[]): AllOverloadedSet[] {
  const bySet = new Map<string, { ok: boolean; lowest?: Judged }>();
  for (const v of verdicts) {
    if (v.config.pairs.every((p) => p.rate === 0)) continue;
    const key = functionSetLabel(v.config);
    const entry = bySet.get(key) ?? { ok: false };
    if (!v.overloaded) entry.ok = true;
    else if (entry.lowest === undefined || total(v) < total(entry.lowest)) entry.lowest = v;
    bySet.set(key, entry);
  }
  return [...bySet]
    .filter(([, e]) => !e.ok && e.lowest !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([functions, e]) => ({ functions, lowest: Object.fromEntries(e.lowest!.config.pairs.map((p) => [p.name, p.rate])) }));
}

function total(v: Judged): number {
  return v.config.pairs.reduce((sum, p) => sum + p.rate, 0);
}

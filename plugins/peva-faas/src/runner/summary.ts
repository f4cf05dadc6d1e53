/**
 * The end-of-run summary a person reads in `pulumi up` output: what ran, what was skipped and why, and the
 * highest non-overloaded rate per function set.
 */
import type { AllOverloadedSet, RunCounts, RunStatus } from "./events.ts";

/** Renders the summary as an aligned text table. */
export function summaryTable(
  counts: RunCounts,
  frontier: readonly { functions: string; rates: Record<string, number> }[],
  status: RunStatus,
  allOverloaded: readonly AllOverloadedSet[] = [],
): string {
  const skipped = Object.values(counts.skipped).reduce((a, b) => a + b, 0);
  const skippedDetail = Object.entries(counts.skipped)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(", ");
  const rows: [string, string][] = [
    ["status", status],
    ["configurations planned", String(counts.planned)],
    ["executed (this run)", String(counts.executed)],
    ["overloaded", String(counts.overloaded)],
    ["skipped", skipped > 0 ? `${skipped} (${skippedDetail})` : "0"],
    ["failed", String(counts.failed)],
    ["iterations run", String(counts.iterations)],
    // Not in `iterations run`: a contended iteration is re-run, and only its uncontended run counts.
    ["contended iterations", String(counts.contended ?? 0)],
    ["iterations not needed", String(counts.not_needed ?? 0)],
    ["iterations aborted early", String(counts.aborted_early ?? 0)],
  ];
  const cost = campaignCost(counts);
  if (cost !== undefined) rows.push(["wall time / nominal load", cost]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  if (frontier.length > 0) {
    lines.push("  highest non-overloaded rate per function set:");
    for (const f of [...frontier].sort((a, b) => a.functions.localeCompare(b.functions))) {
      const rates = Object.entries(f.rates)
        .map(([fn, r]) => `${fn}=${r}/s`)
        .join(", ");
      lines.push(`    ${f.functions.padEnd(24)} ${rates}`);
    }
  }
  if (allOverloaded.length > 0) {
    lines.push("  every measured configuration overloaded (no frontier yet; search below these rates):");
    for (const s of allOverloaded) {
      const rates = Object.entries(s.lowest)
        .map(([fn, r]) => `${fn}=${r}/s`)
        .join(", ");
      lines.push(`    ${s.functions.padEnd(24)} lowest overloaded: ${rates}`);
    }
  }
  return lines.join("\n");
}

/**
 * `2.41 × (wall 241.0 s, nominal load 100 s, loaded 87.5 s)`: the run's wall time per second of load it was asked
 * for (each load window started counts its full duration), or `undefined` before any load window or in streams
 * written before these counts existed.
 */
export function campaignCost(counts: RunCounts): string | undefined {
  const { wall_seconds: wall, nominal_load_seconds: nominal, load_seconds: loaded } = counts;
  if (wall === undefined || nominal === undefined || !(nominal > 0)) return undefined;
  return `${(wall / nominal).toFixed(2)} × (wall ${wall.toFixed(1)} s, nominal load ${nominal.toFixed(0)} s, loaded ${(loaded ?? 0).toFixed(1)} s)`;
}

/**
 * The analysis as tables, ready to be written as Parquet next to the run: per-configuration aggregates with their
 * intervals, the frontier of each function set, and the tidy long dataset of every run of the campaign. Pure.
 */
import { FUNCTION_FIGURES, NODE_FIGURES, frontierIds, type ConfigSummary } from "./aggregate.ts";
import type { CampaignData } from "./campaign-data.ts";

/** A column's SQL type in the Parquet file. */
export type ColumnType = "VARCHAR" | "DOUBLE" | "INTEGER" | "BOOLEAN";

/** A cell: NaN and undefined figures are written as NULL. */
export type Cell = string | number | boolean | null;

/** One table of the analysis. */
export interface AnalysisTable {
  /** The file name without `.parquet`. */
  readonly name: "aggregates" | "frontier" | "long";
  readonly columns: readonly (readonly [string, ColumnType])[];
  readonly rows: readonly (readonly Cell[])[];
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** `aggregates`: one row per (configuration, function or node, figure), with n, mean and its 95 % interval. */
function aggregatesTable(summaries: readonly ConfigSummary[]): AnalysisTable {
  const rows: Cell[][] = [];
  for (const s of summaries) {
    if (s.status !== "measured") continue;
    for (const f of s.functions) {
      for (const [metric, unit] of Object.entries(FUNCTION_FIGURES)) {
        const v = f.figures[metric as keyof typeof FUNCTION_FIGURES];
        rows.push([s.configId, s.functionSet, f.name, f.rate, metric, unit, v.n, num(v.mean), num(v.lo), num(v.hi), v.method, s.overloaded ?? null]);
      }
    }
    for (const [metric, unit] of Object.entries(NODE_FIGURES)) {
      const v = s.node[metric as keyof typeof NODE_FIGURES];
      rows.push([s.configId, s.functionSet, null, null, metric, unit, v.n, num(v.mean), num(v.lo), num(v.hi), v.method, s.overloaded ?? null]);
    }
  }
  return {
    name: "aggregates",
    columns: [
      ["config_id", "VARCHAR"], ["function_set", "VARCHAR"], ["function", "VARCHAR"], ["rate", "DOUBLE"], ["metric", "VARCHAR"], ["unit", "VARCHAR"],
      ["n", "INTEGER"], ["mean", "DOUBLE"], ["ci95_lo", "DOUBLE"], ["ci95_hi", "DOUBLE"], ["ci_method", "VARCHAR"], ["overloaded", "BOOLEAN"],
    ],
    rows,
  };
}

/** `frontier`: every configuration of the campaign with its status, verdict and whether it is on the frontier. */
function frontierTable(summaries: readonly ConfigSummary[]): AnalysisTable {
  const onFrontier = frontierIds(summaries);
  return {
    name: "frontier",
    columns: [
      ["function_set", "VARCHAR"], ["config_id", "VARCHAR"], ["rates", "VARCHAR"], ["status", "VARCHAR"], ["reason", "VARCHAR"],
      ["overloaded", "BOOLEAN"], ["iterations", "INTEGER"], ["on_frontier", "BOOLEAN"],
    ],
    rows: summaries.map((s) => [
      s.functionSet,
      s.configId,
      JSON.stringify(Object.fromEntries(s.pairs.map((p) => [p.name, p.rate]))),
      s.status,
      s.reason ?? null,
      s.overloaded ?? null,
      s.iterations,
      onFrontier.has(s.configId),
    ]),
  };
}

/** `long`: results_long.csv of every run of the campaign, with the run id. */
function longTable(data: CampaignData): AnalysisTable {
  return {
    name: "long",
    columns: [
      ["run_id", "VARCHAR"], ["repetition", "INTEGER"], ["iteration", "INTEGER"], ["config_id", "VARCHAR"], ["function", "VARCHAR"],
      ["rate", "DOUBLE"], ["metric", "VARCHAR"], ["value", "DOUBLE"], ["unit", "VARCHAR"],
    ],
    rows: data.longRows.map((r) => [r.runId, r.repetition, r.iteration, r.configId, r.functionName || null, num(r.rate), r.metric, num(r.value), r.unit]),
  };
}

/** The three analysis tables of a campaign. */
export function analysisTables(data: CampaignData, summaries: readonly ConfigSummary[]): AnalysisTable[] {
  return [aggregatesTable(summaries), frontierTable(summaries), longTable(data)];
}

/**
 * File naming of a run's output directory (reference §10.3). Pure.
 */
import { join } from "node:path";
import { DFAAS_EXPORT_DIR } from "./dfaas-export.ts";

/** The fixed files of `<output>/<run_id>/<host>/peva_faas/`. */
export interface OutputLayout {
  readonly dir: string;
  readonly results: string;
  readonly skipped: string;
  readonly index: string;
  readonly resultsLong: string;
  readonly metricsDir: string;
  /** The load generator's raw report per iteration. */
  readonly summariesDir: string;
  /** `run.json`: what the run measured with, and the unit of every results.csv column. */
  readonly runMetadata: string;
  readonly events: string;
  /** The DFaaS export: `dfaas/results.csv` (latencies in ns) and its `README.txt`. */
  readonly dfaasResults: string;
  readonly dfaasReadme: string;
}

/** Paths inside a workload output directory. */
export function outputLayout(dir: string): OutputLayout {
  return {
    dir,
    results: join(dir, "results.csv"),
    skipped: join(dir, "skipped.csv"),
    index: join(dir, "index.csv"),
    resultsLong: join(dir, "results_long.csv"),
    metricsDir: join(dir, "metrics"),
    summariesDir: join(dir, "summaries"),
    runMetadata: join(dir, "run.json"),
    events: join(dir, "events.jsonl"),
    dfaasResults: join(dir, DFAAS_EXPORT_DIR, "results.csv"),
    dfaasReadme: join(dir, DFAAS_EXPORT_DIR, "README.txt"),
  };
}

/** The workload output directory of a run: `<output>/<run_id>/<host>/peva_faas`. */
export function runOutputDir(outputRoot: string, runId: string, host: string): string {
  return join(outputRoot, runId, host, "peva_faas");
}

/** `summary-<cfg>-iter<i>-rep<r>.json` */
export function summaryFileName(configId: string, iteration: number, repetition: number): string {
  return `summary-${configId}-iter${iteration}-rep${repetition}.json`;
}

/** `metrics-<cfg>-iter<i>-rep<r>.csv` */
export function metricsFileName(configId: string, iteration: number, repetition: number): string {
  return `metrics-${configId}-iter${iteration}-rep${repetition}.csv`;
}

/** Parses a summary or metrics file name back into its parts (undefined when it does not match). */
export function parseArtifactName(
  fileName: string,
): { kind: "summary" | "metrics"; configId: string; iteration: number; repetition: number } | undefined {
  const m = /^(summary|metrics)-([0-9a-f]{12})-iter(\d+)-rep(\d+)\.(json|csv)$/.exec(fileName);
  if (!m) return undefined;
  const kind = m[1] as "summary" | "metrics";
  if ((kind === "summary") !== (m[5] === "json")) return undefined;
  return { kind, configId: m[2]!, iteration: Number(m[3]), repetition: Number(m[4]) };
}

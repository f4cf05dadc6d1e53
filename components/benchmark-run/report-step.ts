/**
 * The last step of a run on the controller: the campaign's report (`report.html` and `analysis/*.parquet`) in the
 * run's results folder. A report that cannot be written is a warning, never a failed run: the results are there.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeCampaignReport, type AnalysisCompute } from "@peva-lab/peva-faas/report";
import type { EngineLog } from "../engine-log.ts";

/**
 * Writes the report of the run whose results are in `resultsDir` with the stack's analysis compute; returns its
 * path, or "" when none was written.
 */
export async function writeRunReport(resultsDir: string, log: EngineLog, compute: AnalysisCompute): Promise<string> {
  if (!existsSync(join(resultsDir, "run.json"))) {
    await log.log("warning", `no report: ${resultsDir} has no run.json (the run's results did not reach this machine)`);
    return "";
  }
  try {
    const written = await writeCampaignReport(resultsDir, { compute });
    return written.html;
  } catch (error) {
    await log.log("warning", `no report for ${resultsDir}: ${(error as Error).message}`);
    return "";
  }
}

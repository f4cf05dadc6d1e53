/**
 * Writes a campaign's report next to the run: `report.html` (self-contained, offline) and the analysis tables as
 * Parquet under `analysis/`.
 */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { aggregateCampaign } from "../analysis/aggregate.ts";
import { analysisTables } from "../analysis/tables.ts";
import { writeAnalysisParquet } from "../analysis/write-parquet.ts";
import { reportHtml } from "./page.ts";
import { readCampaignRuns } from "./read-campaign.ts";

/** What {@link writeCampaignReport} wrote. */
export interface WrittenReport {
  /** Absolute path of the HTML report. */
  readonly html: string;
  /** Its size, bytes. */
  readonly bytes: number;
  /** The Parquet files of the analysis (aggregates, frontier, long). */
  readonly parquet: readonly string[];
  /** The run folders the report covers (more than one for a resumed campaign). */
  readonly runFolders: readonly string[];
  /** Configurations in the report. */
  readonly configurations: number;
}

/**
 * Reads the campaign of the run folder `runFolder` and writes `report.html` (or `out`) and `analysis/*.parquet`
 * in that folder. Throws {@link NotARunFolderError} for a folder that is not a run's.
 */
export async function writeCampaignReport(runFolder: string, options: { readonly out?: string; readonly now?: Date } = {}): Promise<WrittenReport> {
  const folder = resolve(runFolder);
  const campaign = readCampaignRuns(folder);
  const summaries = aggregateCampaign(campaign.data);
  const html = reportHtml({ runs: campaign.runs, data: campaign.data, generatedAt: (options.now ?? new Date()).toISOString() }, summaries);
  const parquet = await writeAnalysisParquet(join(folder, "analysis"), analysisTables(campaign.data, summaries));
  const target = resolve(options.out ?? join(folder, "report.html"));
  const temp = join(dirname(target), `.report.html.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(temp, html);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return { html: target, bytes: statSync(target).size, parquet, runFolders: campaign.folders, configurations: summaries.length };
}

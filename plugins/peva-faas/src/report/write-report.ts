/**
 * Writes a campaign's report next to the run: `report.html` (self-contained, offline) and the analysis tables as
 * Parquet under `analysis/`.
 */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { aggregateCampaign } from "../analysis/aggregate.ts";
import { analysisTables } from "../analysis/tables.ts";
import { writeAnalysisParquet, type AnalysisEngineSettings } from "../analysis/write-parquet.ts";
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
 * The stack's compute choice for the analysis: the compute of each transform (governance resolved it) and the
 * engine's settings. The transforms run on DuckDB, the one compute engine that writes them.
 */
export interface AnalysisCompute extends AnalysisEngineSettings {
  /** Transform name → compute plugin name. */
  readonly transforms: Readonly<Record<string, string>>;
}

/** A transform whose chosen compute cannot write it. */
export class UnsupportedComputeError extends Error {
  constructor(transform: string, compute: string) {
    super(`peva-lab:compute.transforms.${transform}: compute '${compute}' cannot run the analysis transforms; only 'duckdb' can`);
    this.name = "UnsupportedComputeError";
  }
}

/**
 * Reads the campaign of the run folder `runFolder` and writes `report.html` (or `out`) and `analysis/*.parquet`
 * in that folder. Throws {@link NotARunFolderError} for a folder that is not a run's, and
 * {@link UnsupportedComputeError} (before writing anything) for a transform on another compute than DuckDB.
 */
export async function writeCampaignReport(
  runFolder: string,
  options: { readonly out?: string; readonly now?: Date; readonly compute?: AnalysisCompute } = {},
): Promise<WrittenReport> {
  for (const [transform, compute] of Object.entries(options.compute?.transforms ?? {})) {
    if (compute !== "duckdb") throw new UnsupportedComputeError(transform, compute);
  }
  const folder = resolve(runFolder);
  const campaign = readCampaignRuns(folder);
  const summaries = aggregateCampaign(campaign.data);
  const html = reportHtml({ runs: campaign.runs, data: campaign.data, generatedAt: (options.now ?? new Date()).toISOString() }, summaries);
  const parquet = await writeAnalysisParquet(join(folder, "analysis"), analysisTables(campaign.data, summaries), options.compute);
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

/**
 * Reads a campaign from its run folders: the folder asked for and every sibling folder of the same campaign on the
 * same host (`<output>/<run_id>/<host>/peva_faas`, one per run, so a resumed campaign's earlier runs count too).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseLongValue } from "../analysis/aggregate.ts";
import type { CampaignData, LongRow } from "../analysis/campaign-data.ts";
import { RESULTS_LONG_HEADER } from "../results/columns.ts";
import { parseCsvLine } from "../results/csv.ts";
import { parseEventLine, type RunEvent } from "../runner/events.ts";
import type { ReportRun } from "./page.ts";

/** A folder that is not a run folder, or one whose files cannot be read as a run's. */
export class NotARunFolderError extends Error {
  readonly path: string;
  readonly why: string;
  constructor(path: string, why: string) {
    super(`peva-lab:report.run: ${path} is not a peva-faas run folder (${why}); pass <output>/<run_id>/<host>/peva_faas`);
    this.name = "NotARunFolderError";
    this.path = path;
    this.why = why;
  }
}

/** The runs of a campaign and their data, oldest run first. */
export interface CampaignRuns {
  readonly runs: readonly ReportRun[];
  readonly data: CampaignData;
  /** The run folders read, in the same order as `runs`. */
  readonly folders: readonly string[];
}

function readRunMetadata(folder: string): Record<string, unknown> {
  const path = join(folder, "run.json");
  if (!existsSync(path)) throw new NotARunFolderError(folder, "no run.json");
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as unknown;
    if (typeof value !== "object" || value === null || typeof (value as { run_id?: unknown }).run_id !== "string") throw new Error("no run_id");
    return value as Record<string, unknown>;
  } catch (e) {
    throw new NotARunFolderError(folder, `run.json: ${(e as Error).message}`);
  }
}

function readLongRows(folder: string, runId: string): LongRow[] {
  const path = join(folder, "results_long.csv");
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n").filter((l) => l !== "");
  const header = parseCsvLine(lines[0] ?? "");
  if (header.join(",") !== RESULTS_LONG_HEADER.join(",")) throw new NotARunFolderError(folder, `results_long.csv header is ${header.join(",")}`);
  return lines.slice(1).map((line) => {
    const [repetition, iteration, configId, functionName, rate, metric, value, unit] = parseCsvLine(line);
    return {
      runId,
      repetition: Number(repetition),
      iteration: Number(iteration),
      configId: configId ?? "",
      functionName: functionName ?? "",
      rate: rate === "" ? Number.NaN : Number(rate),
      metric: metric ?? "",
      value: parseLongValue(value ?? ""),
      unit: unit ?? "",
    };
  });
}

function readEvents(folder: string): RunEvent[] {
  const path = join(folder, "events.jsonl");
  if (!existsSync(path)) return [];
  const out: RunEvent[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    // A run killed mid-write leaves a partial last line: it is not an event.
    try {
      const e = parseEventLine(line);
      if (e) out.push(e);
    } catch {
      continue;
    }
  }
  return out;
}

/**
 * Reads the campaign of the run folder `folder`: that run and the other runs of the same campaign beside it
 * (same host, same `campaign_id` in run.json), oldest first by their `started_at`.
 */
export function readCampaignRuns(folder: string): CampaignRuns {
  const dir = resolve(folder);
  const own = readRunMetadata(dir);
  const host = basename(dirname(dir));
  const outputRoot = dirname(dirname(dirname(dir)));
  const folders = new Set<string>([dir]);
  if (basename(dir) === "peva_faas" && existsSync(outputRoot)) {
    for (const entry of readdirSync(outputRoot, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const candidate = join(outputRoot, entry.name, host, "peva_faas");
      if (candidate === dir || !existsSync(join(candidate, "run.json"))) continue;
      try {
        if (readRunMetadata(candidate)["campaign_id"] === own["campaign_id"]) folders.add(candidate);
      } catch {
        continue; // a sibling that is not a readable run is not part of this report
      }
    }
  }
  const runs = [...folders]
    .map((f) => ({ folder: f, metadata: readRunMetadata(f) }))
    .sort((a, b) => String(a.metadata["started_at"] ?? "").localeCompare(String(b.metadata["started_at"] ?? "")));
  // Concatenated, not spread into push(): a large campaign has more rows than a call may take arguments.
  const longRows = runs.flatMap((r) => readLongRows(r.folder, String(r.metadata["run_id"])));
  const events = runs.flatMap((r) => readEvents(r.folder));
  return { runs: runs.map((r) => ({ runId: String(r.metadata["run_id"]), metadata: r.metadata })), data: { longRows, events }, folders: runs.map((r) => r.folder) };
}

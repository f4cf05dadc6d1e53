/**
 * What the analysis reads of a campaign: the rows of `results_long.csv` and the runner's events, from one or more
 * run folders of the same campaign (a resumed campaign has one folder per run). Types only.
 */
import type { RunEvent } from "../runner/events.ts";

/** One row of `results_long.csv`, with the run it came from. Node rows have `functionName` "" and `rate` NaN. */
export interface LongRow {
  readonly runId: string;
  readonly repetition: number;
  readonly iteration: number;
  readonly configId: string;
  readonly functionName: string;
  readonly rate: number;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
}

/** A campaign's data as the analysis needs it, runs in the order they ran. */
export interface CampaignData {
  readonly longRows: readonly LongRow[];
  readonly events: readonly RunEvent[];
}

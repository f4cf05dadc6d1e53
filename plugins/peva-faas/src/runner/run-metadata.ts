/**
 * `run.json` in the run's results directory: what the run measured with (platform, the functions' images, generator
 * and its version, durations, overload rules, the campaign identity) and the unit of every results.csv column, so a
 * reader of the CSV never has to guess a unit. Written when the run starts (a resumed run under the same run id
 * rewrites it).
 */
import { writeFileSync } from "node:fs";
import type { GeneratorIdentity } from "@peva-lab/core";
import type { WorkloadConfig } from "../config/parse.ts";
import { resultsColumnUnits } from "../results/columns.ts";
import type { RunSpec } from "./spec.ts";

/** Schema id of `run.json`. */
const RUN_METADATA_SCHEMA = "peva-faas-run/v1";


/** The content of `run.json`. */
export function runMetadata(input: {
  readonly spec: RunSpec;
  readonly campaignId: string;
  readonly generator: GeneratorIdentity;
  readonly config: WorkloadConfig;
  /** The image of each function as the gateway listed it before the load (functions it names no image for are absent). */
  readonly functionImages: Readonly<Record<string, string>>;
}): Record<string, unknown> {
  const { spec, config } = input;
  return {
    schema: RUN_METADATA_SCHEMA,
    run_id: spec.run_id,
    campaign_id: input.campaignId,
    host: spec.host,
    platform: spec.platform,
    node_cores: spec.node_cores,
    // The platform's size and versions, as the campaign identity hashes them (absent in specs that predate it).
    ...(spec.platform_identity ? { platform_identity: spec.platform_identity } : {}),
    // What the gateway said it runs: for functions deployed by hand, the only record of their code.
    function_images: input.functionImages,
    loadgen: {
      name: input.generator.name,
      version: input.generator.version,
      settings: input.generator.settings,
      request_timeout: config.loadgen.request_timeout,
    },
    duration: config.duration,
    iterations: config.iterations,
    decide_early: config.decide_early,
    early_abort: config.early_abort,
    overload: config.overload,
    latency_unit: config.results.latency_unit,
    results_csv_units: resultsColumnUnits(config.results.latency_unit),
    started_at: new Date().toISOString(),
  };
}

/** Writes `run.json` (see {@link runMetadata}). */
export function writeRunMetadata(path: string, input: Parameters<typeof runMetadata>[0]): void {
  writeFileSync(path, `${JSON.stringify(runMetadata(input), null, 2)}\n`);
}

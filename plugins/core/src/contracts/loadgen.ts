/** Contract of `loadgen` plugins: the load generator (k6) — script text, command line, summary parsing. */
import { Plugin } from "./plugin.ts";

/** One function under load in a scenario. */
export interface LoadTarget {
  readonly functionName: string;
  readonly url: string;
  /** Requests per second; 0 means no load for this function. */
  readonly rate: number;
  readonly body: string;
}

/** A load scenario: every target at its rate for a fixed duration. */
export interface LoadScenario {
  readonly durationSeconds: number;
  readonly targets: readonly LoadTarget[];
}

/** Files of one load run. */
export interface LoadRunPaths {
  readonly script: string;
  readonly summary: string;
}

/** What the load generator measured for one function. */
export interface LoadResult {
  readonly functionName: string;
  readonly successRate: number;
  readonly medianLatencyMs: number;
  readonly requests: number;
}

/** A load generator, k6-style: produce a script, a command, and parse the summary. All pure. */
export abstract class LoadgenPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "loadgen" as const;
  /** The script text for a scenario. */
  abstract buildScript(scenario: LoadScenario): string;
  /** The argv that runs a script and writes its summary. */
  abstract command(paths: LoadRunPaths): readonly string[];
  /** Per-function results from a parsed summary file. */
  abstract parseSummary(summary: unknown, scenario: LoadScenario): readonly LoadResult[];
}

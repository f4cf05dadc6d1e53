/** Contract of `workload` plugins: a benchmark campaign (e.g. PEVA-FAAS) that plans and runs configurations. */
import type { PreflightContext, PreflightReport } from "../preflight.ts";
import { Plugin } from "./plugin.ts";

/** One planned unit of work, e.g. one configuration of functions and rates. */
export interface PlannedRun {
  readonly id: string;
  readonly description: string;
  readonly durationSeconds: number;
}

/** What a workload would run for a given config. */
export interface WorkloadPlan {
  readonly runs: readonly PlannedRun[];
  /** Lower bound of the wall-clock time: the sum of run durations, without cooldowns or start-up. */
  readonly estimatedSeconds: number;
}

/** What the lab knows, at validation time, about where a workload will run and what will measure it. */
export interface SettingsCheckContext {
  /** The project directory (where relative paths in the settings resolve). */
  readonly projectDir: string;
  /** The platform under test, e.g. `local` or `openfaas`. */
  readonly platform: string;
  /** Seconds between two scrapes of the Prometheus that measures the platform. */
  readonly scrapeIntervalSeconds: number;
}

/** A problem {@link WorkloadPlugin.checkSettings} found: `path` is relative to the workload's settings. */
export interface SettingsIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** A benchmark workload. Declares its extras and tools, checks them in `preflight`, and plans runs. */
export abstract class WorkloadPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "workload" as const;
  /** Checks extras and tools (see `checkRequirements`); reports what is missing and how to install it. */
  abstract preflight(context: PreflightContext): Promise<PreflightReport>;
  /** Plans the runs for a validated config. Pure: no I/O. */
  abstract plan(config: TConfig): WorkloadPlan;
  /**
   * Checks that schema-valid settings make sense where they will run (e.g. a load window long enough for the
   * platform's scrape interval, an entrypoint that resolves). Runs at `pulumi preview`, before any resource exists;
   * may read files but starts nothing. The default finds nothing.
   */
  async checkSettings(_config: TConfig, _context: SettingsCheckContext): Promise<readonly SettingsIssue[]> {
    return [];
  }
}

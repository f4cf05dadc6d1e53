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

/** A benchmark workload. Declares its extras and tools, checks them in `preflight`, and plans runs. */
export abstract class WorkloadPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "workload" as const;
  /** Checks extras and tools (see `checkRequirements`); reports what is missing and how to install it. */
  abstract preflight(context: PreflightContext): Promise<PreflightReport>;
  /** Plans the runs for a validated config. Pure: no I/O. */
  abstract plan(config: TConfig): WorkloadPlan;
}

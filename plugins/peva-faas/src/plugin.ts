/**
 * The `peva-faas` workload plugin as the registry sees it: metadata, extras and tools, the settings schema the
 * stack config is validated with, preflight, and the campaign plan. Imports no heavy dependency at load time.
 */
import {
  checkRequirements,
  WorkloadPlugin,
  type PreflightContext,
  type PreflightReport,
  type SettingsCheckContext,
  type SettingsIssue,
  type WorkloadPlan,
} from "@peva-lab/core";
import { parseWorkloadConfig } from "./config/parse.ts";
import { checkCrossFields, WorkloadConfigObjectSchema, type WorkloadConfigObject } from "./config/schema.ts";
import { planCampaign } from "./plan/plan.ts";
import { windowIssues } from "./prometheus/window.ts";
import { checkEntrypoints } from "./scheduling/entrypoint-check.ts";

/** Settings schema of the workload (strict: unknown keys are errors). */
export const pevaFaasSettingsSchema = WorkloadConfigObjectSchema.superRefine(checkCrossFields);

/**
 * PEVA-FAAS: every combination of functions × request rates, open-loop load from the configured `loadgen` plugin
 * (vegeta by default; the generator plugin declares and checks its own tool), overload detection.
 */
export default class PevaFaasWorkload extends WorkloadPlugin<WorkloadConfigObject> {
  readonly name = "peva-faas";
  readonly version = "0.1.0";
  readonly apiVersion = "1.0";
  override readonly description = "PEVA-FAAS campaigns: functions × request rates, open-loop load, Prometheus metrics, overload detection, DuckDB memory";
  override readonly requiredExtras = ["@duckdb/node-api", "apache-arrow"] as const;
  override readonly configSchema = pevaFaasSettingsSchema;

  async preflight(context: PreflightContext): Promise<PreflightReport> {
    return checkRequirements({ extras: this.requiredExtras, tools: [] }, context);
  }

  plan(config: WorkloadConfigObject): WorkloadPlan {
    const parsed = parseWorkloadConfig(config).config;
    const plan = planCampaign(parsed);
    const durationSeconds = parsed.iterations * parsed.duration_seconds;
    const runs = [];
    for (const c of plan.configurations()) {
      runs.push({ id: c.id, description: c.pairs.map((p) => `${p.name}=${p.rate}`).join(", "), durationSeconds });
    }
    return { runs, estimatedSeconds: plan.estimate.expectedSeconds };
  }

  /**
   * Load windows long enough for the platform's scrape interval, and entrypoints that resolve inside the allowed
   * roots and export the right shape (imported, never constructed or called).
   */
  override async checkSettings(config: WorkloadConfigObject, context: SettingsCheckContext): Promise<readonly SettingsIssue[]> {
    const parsed = parseWorkloadConfig(config).config;
    return [...windowIssues(parsed, context.scrapeIntervalSeconds), ...(await checkEntrypoints(parsed, context.projectDir))];
  }
}

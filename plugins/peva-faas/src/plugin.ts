/**
 * The `peva-faas` workload plugin as the registry sees it: metadata, extras and tools, the settings schema the
 * stack config is validated with, preflight, and the campaign plan. Imports no heavy dependency at load time.
 */
import { checkRequirements, WorkloadPlugin, type PreflightContext, type PreflightReport, type WorkloadPlan } from "@peva-lab/core";
import { parseWorkloadConfig } from "./config/parse.ts";
import { checkCrossFields, WorkloadConfigObjectSchema, type WorkloadConfigObject } from "./config/schema.ts";
import { planCampaign } from "./plan/plan.ts";

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
}

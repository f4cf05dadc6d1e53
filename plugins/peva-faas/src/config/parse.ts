/**
 * Parsing the workload configuration: validation, the deprecated `rates` block, derived fields, and merging a
 * layered (`common` / `plugins.peva_faas`) document. Pure functions (file reading is in `load.ts`).
 */
import type { z } from "zod";
import { durationSeconds } from "./duration.ts";
import { effectiveRateStrategy, strategyMinRate, type RateStrategy } from "./rates.ts";
import { WorkloadConfigObjectSchema, checkCrossFields, type RefusedSetting, type WorkloadConfigObject } from "./schema.ts";

/** A validated workload configuration with derived fields filled in (refused settings are never set). */
export type WorkloadConfig = Omit<WorkloadConfigObject, "rates" | "rate_strategy" | "decide_early" | "early_abort" | RefusedSetting> & {
  readonly rate_strategy: RateStrategy;
  /** `duration` in whole seconds (reference conversion). */
  readonly duration_seconds: number;
  /** `decide_early`, with the scheduler's default filled in. */
  readonly decide_early: boolean;
  /** `early_abort`, with the scheduler's default for `enabled` filled in. */
  readonly early_abort: WorkloadConfigObject["early_abort"] & { readonly enabled: boolean };
};

/**
 * Whether a scheduler, by default, decides configurations early and aborts settled iterations: `frontier` looks
 * for the frontier and needs only verdicts, so it does both; `cartesian` and custom schedulers sweep to build a
 * dataset and keep every iteration whole.
 */
export function fastVerdictsByDefault(scheduler: string): boolean {
  return scheduler === "frontier";
}

/** The raw (input) shape of the workload configuration. */
export type WorkloadConfigInput = z.input<typeof WorkloadConfigObjectSchema>;

/** Result of {@link parseWorkloadConfig}. */
export interface ParsedWorkloadConfig {
  readonly config: WorkloadConfig;
  /** Non-fatal notices, e.g. the `rates` deprecation. */
  readonly warnings: readonly string[];
}

/** Thrown on an invalid configuration; `issues` are `<dotted.path>: <message>` lines. */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[], prefix = "invalid peva-faas workload config") {
    super(`${prefix}:\n  ${issues.join("\n  ")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** The deprecation notice emitted whenever `rates` is present. */
export const RATES_DEPRECATION =
  "rates: deprecated, use rate_strategy: {type: linear, min_rate, max_rate, step} instead";

/** Formats a path as `a.b[0].c` (`<root>` for the empty path). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out === "" ? "<root>" : out;
}

/** Turns zod issues into `<dotted.path>: <message>` lines (one line per unknown key). */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: unknown key`);
    } else if (issue.code === "invalid_union" && issue.path.length > 0 && /discriminator/i.test(issue.message)) {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return lines;
}

/**
 * Validates a workload configuration (already merged, see {@link resolveConfigSources}).
 * Throws {@link ConfigError} listing every problem.
 */
export function parseWorkloadConfig(input: unknown): ParsedWorkloadConfig {
  const parsed = WorkloadConfigObjectSchema.superRefine(checkCrossFields).safeParse(input ?? {});
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues));
  const v = parsed.data;
  const warnings: string[] = [];
  if (v.rates !== undefined) warnings.push(RATES_DEPRECATION);
  const strategy = effectiveRateStrategy(v.rate_strategy, v.rates);
  const problems: string[] = [];
  const minRate = strategyMinRate(strategy);
  v.functions.forEach((f, i) => {
    if (f.max_rate !== undefined && f.max_rate < minRate) {
      problems.push(`functions[${i}].max_rate: functions[${f.name}].max_rate must be >= rate_strategy.min_rate`);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const { rates: _rates, ...rest } = v;
  const fast = fastVerdictsByDefault(v.scheduler);
  const config: WorkloadConfig = {
    ...rest,
    rate_strategy: strategy,
    duration_seconds: durationSeconds(v.duration),
    decide_early: v.decide_early ?? fast,
    early_abort: { ...v.early_abort, enabled: v.early_abort.enabled ?? fast },
  };
  return { config, warnings };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects: `over` wins; arrays and scalars are replaced, not merged. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(b) && isRecord(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/**
 * Merges a layered settings document (upstream's file layout, reference §2.1) with explicit options: the file's
 * `common` section, deep-merged with its `plugins.peva_faas` section, then the options on top.
 * @param fileDoc the parsed file (YAML/JSON), or `undefined` when there is no file.
 */
export function resolveConfigSources(fileDoc: unknown, options: Record<string, unknown>): Record<string, unknown> {
  if (fileDoc === undefined) return { ...options };
  if (!isRecord(fileDoc)) throw new ConfigError(["<root>: Config file must contain a mapping at the top level."]);
  const common = fileDoc["common"] ?? {};
  const plugins = fileDoc["plugins"] ?? {};
  const section = isRecord(plugins) ? (plugins["peva_faas"] ?? {}) : undefined;
  if (!isRecord(common) || !isRecord(section)) {
    throw new ConfigError(["<root>: Config sections 'common' and 'plugins.peva_faas' must be mappings."]);
  }
  return deepMerge(deepMerge(common, section), options);
}

/**
 * Parsing the workload configuration: validation, the deprecated `rates` block, derived fields, env fallbacks
 * and `config_path` merging. Pure functions (file reading is in `load.ts`).
 */
import type { z } from "zod";
import { durationSeconds } from "./duration.ts";
import { effectiveRateStrategy, strategyMinRate, type RateStrategy } from "./rates.ts";
import { WorkloadConfigObjectSchema, checkCrossFields, type WorkloadConfigObject } from "./schema.ts";

/** A validated workload configuration with derived fields filled in. */
export type WorkloadConfig = Omit<WorkloadConfigObject, "rates" | "k6_workspace_root" | "rate_strategy"> & {
  readonly rate_strategy: RateStrategy;
  /** `duration` in whole seconds (reference conversion). */
  readonly duration_seconds: number;
  /** Always set: derived from `k6_user` when the input leaves it unset. */
  readonly k6_workspace_root: string;
};

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
  const config: WorkloadConfig = {
    ...rest,
    rate_strategy: strategy,
    duration_seconds: durationSeconds(v.duration),
    k6_workspace_root: v.k6_workspace_root ?? defaultWorkspaceRoot(v.k6_user),
  };
  return { config, warnings };
}

/** `/root/.peva_faas-k6` for root, `/home/<user>/.peva_faas-k6` otherwise (reference §2.2). */
export function defaultWorkspaceRoot(user: string): string {
  return user === "root" ? "/root/.peva_faas-k6" : `/home/${user}/.peva_faas-k6`;
}

const TRUTHY = new Set(["1", "true", "yes", "on"]);
const FALSY = new Set(["0", "false", "no", "off", ""]);

function envBool(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (TRUTHY.has(v)) return true;
  if (FALSY.has(v)) return false;
  throw new ConfigError([`${name}: expected a boolean (1/0, true/false, yes/no, on/off), got '${raw}'`]);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Applies the environment fallbacks `LB_GRAFANA_ENABLED/URL/API_KEY/ORG_ID`, `LB_LOKI_ENABLED`,
 * `LB_LOKI_ENDPOINT`, only where the raw config leaves the value unset. Returns a new object.
 */
export function applyEnvFallbacks(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const fill = (section: string, key: string, envName: string, conv: (s: string) => unknown): void => {
    const value = env[envName];
    if (value === undefined) return;
    const current = out[section];
    const obj: Record<string, unknown> = isRecord(current) ? { ...current } : {};
    if (obj[key] === undefined) obj[key] = conv(value);
    out[section] = obj;
  };
  fill("grafana", "enabled", "LB_GRAFANA_ENABLED", (s) => envBool("LB_GRAFANA_ENABLED", s));
  fill("grafana", "url", "LB_GRAFANA_URL", (s) => s);
  fill("grafana", "api_key", "LB_GRAFANA_API_KEY", (s) => s);
  fill("grafana", "org_id", "LB_GRAFANA_ORG_ID", (s) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : s));
  fill("loki", "enabled", "LB_LOKI_ENABLED", (s) => envBool("LB_LOKI_ENABLED", s));
  fill("loki", "endpoint", "LB_LOKI_ENDPOINT", (s) => s);
  return out;
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
 * Merges a `config_path` file document with explicit options (reference §2.1): the file's `common` section,
 * deep-merged with its `plugins.peva_faas` section, then the options on top.
 * @param fileDoc the parsed file (YAML/JSON), or `undefined` when there is no file.
 */
export function resolveConfigSources(fileDoc: unknown, options: Record<string, unknown>): Record<string, unknown> {
  if (fileDoc === undefined) return { ...options };
  if (!isRecord(fileDoc)) throw new ConfigError(["config_path: Config file must contain a mapping at the top level."]);
  const common = fileDoc["common"] ?? {};
  const plugins = fileDoc["plugins"] ?? {};
  const section = isRecord(plugins) ? (plugins["peva_faas"] ?? {}) : undefined;
  if (!isRecord(common) || !isRecord(section)) {
    throw new ConfigError(["config_path: Config sections 'common' and 'plugins.peva_faas' must be mappings."]);
  }
  return deepMerge(deepMerge(common, section), options);
}

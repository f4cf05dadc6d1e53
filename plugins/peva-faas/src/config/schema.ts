/**
 * The PEVA-FAAS workload configuration schema (reference §2), in zod 4.
 *
 * Differences from upstream, on purpose:
 * - every object is strict: unknown keys are **rejected** (upstream defect 17);
 * - Prometheus empty-result retries are bounded by attempts × interval (default 5 × 1 s, not 120 s);
 * - extra blocks for our fixes: `prometheus` (timeouts, retries, window mode), `loadgen` (the load-generator
 *   plugin and its settings), `results` (latency unit), cooldown idle floors (defect 20) and a normalised CPU
 *   threshold (defect 1).
 *
 * Use {@link parseWorkloadConfig} (in `parse.ts`) rather than this schema directly: it adds the `rates`
 * deprecation handling and formats errors as `<dotted.path>: <message>`.
 */
import { z } from "zod";
import { DURATION_PATTERN, durationMilliseconds, durationSeconds, formatHumanDuration } from "./duration.ts";
import { effectiveRateStrategy } from "./rates.ts";
import { DEFAULT_MAX_CONFIGURATIONS, formatCount, gridSize } from "../plan/grid-size.ts";
import { hostTemplateProbe } from "./urls.ts";
import { FUNCTION_NAME_PATTERN, FUNCTION_NAME_RULE } from "../model.ts";
import { memorySectionSchema } from "../memory/config.ts";
import { selectionConfigShape } from "../scheduling/config.ts";

/** HTTP methods a function may be called with. */
export const HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] as const;

const int = (): z.ZodInt => z.int();
const port = (): z.ZodInt => int().min(1).max(65535);

/** A duration string `<number><unit>` (trimmed), strictly positive. */
export const DurationSchema = z
  .string()
  .trim()
  .regex(DURATION_PATTERN, { error: "duration must match <number><unit>, e.g. 30s or 1m" })
  .refine((v) => !DURATION_PATTERN.test(v) || durationMilliseconds(v) > 0, { error: "duration must be > 0" });

/**
 * An http(s) URL without credentials, possibly containing the `{host.address}` template. `credentials` says where
 * the secret belongs instead, for the error message.
 */
export function serviceUrlSchema(credentials: string): z.ZodType<string, string> {
  return z.string().trim().superRefine((value, ctx) => {
    const problem = hostTemplateProbe(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem.startsWith("must not carry credentials") ? `${problem}; ${credentials}` : problem });
  });
}

/** Where each service's credentials go instead of its URL. */
const CREDENTIALS = {
  gateway: "set the gateway password as a secret: pulumi config set --secret peva-lab:gatewayPassword <password> (the user is admin)",
  prometheus: "the lab's Prometheus takes no credentials; a standalone run spec names a password file in prometheus.password_file",
  other: "this setting takes no credentials",
} as const;

/** An HTTP header name: an RFC 9110 token (so it can never carry a line break or a separator into a request). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** An HTTP header value: visible characters, spaces and tabs only (no CR, LF, NUL or other controls). */
const HEADER_VALUE = /^[\t\x20-\x7e\xa0-\uffff]*$/;

/** One function to load. */
export const FunctionSpecSchema = z.strictObject({
  /** Restricted to OpenFaaS's (Kubernetes DNS-1123 label) charset: safe in URLs, file names, scripts and ids as is. */
  name: z.string().regex(FUNCTION_NAME_PATTERN, { error: FUNCTION_NAME_RULE }),
  method: z
    .string()
    .default("GET")
    .transform((v) => v.trim().toUpperCase())
    .superRefine((v, ctx) => {
      if (!(HTTP_METHODS as readonly string[]).includes(v)) {
        ctx.addIssue({ code: "custom", message: `Unsupported HTTP method: ${v}` });
      }
    }),
  body: z.string().default(""),
  headers: z
    .record(z.string(), z.string().regex(HEADER_VALUE, { error: "header values must not contain line breaks or other control characters" }))
    .superRefine((headers, ctx) => {
      // Checked here rather than as the record's key schema, whose failure zod reports without our message.
      for (const name of Object.keys(headers)) {
        if (!HEADER_NAME.test(name)) {
          ctx.addIssue({ code: "custom", path: [name], message: "header names must be HTTP tokens (letters, digits and !#$%&'*+.^_`|~-)" });
        }
      }
    })
    .default({}),
  max_rate: int().min(0).optional(),
});

const maxGeMin = <T extends { min_rate: number; max_rate: number }>(v: T): boolean => v.max_rate >= v.min_rate;

/** `rate_strategy: {type: linear}` — defaults 0..200 step 10. */
export const LinearStrategySchema = z
  .strictObject({
    type: z.literal("linear"),
    min_rate: int().min(0).default(0),
    max_rate: int().min(0).default(200),
    step: int().positive().default(10),
  })
  .refine(maxGeMin, { error: "max_rate must be >= min_rate", path: ["max_rate"] });

/** `rate_strategy: {type: random}` — see `rates.ts` for the PRNG. */
export const RandomStrategySchema = z
  .strictObject({
    type: z.literal("random"),
    min_rate: int().min(0).default(10),
    max_rate: int().min(0).default(200),
    count: int().min(1).default(10),
    seed: int().nullable().default(null),
  })
  .refine(maxGeMin, { error: "max_rate must be >= min_rate", path: ["max_rate"] });

/** `rate_strategy: {type: exponential}`. */
export const ExponentialStrategySchema = z
  .strictObject({
    type: z.literal("exponential"),
    base: int().min(2).default(2),
    min_power: int().min(0).default(0),
    max_power: int().min(0).max(52).default(8),
    max_rate: int().min(1).nullable().default(null),
  })
  .refine((v) => v.max_power >= v.min_power, { error: "max_power must be >= min_power", path: ["max_power"] });

/** `rate_strategy: {type: custom}`. */
export const CustomStrategySchema = z.strictObject({
  type: z.literal("custom"),
  rates: z
    .array(z.int({ error: "rates must be integers" }))
    .min(1)
    .refine((rs) => rs.every((r) => r >= 0), { error: "All rates must be >= 0" }),
});

/** The rate strategy union, discriminated on `type`. */
export const RateStrategySchema = z.discriminatedUnion("type", [
  LinearStrategySchema,
  RandomStrategySchema,
  ExponentialStrategySchema,
  CustomStrategySchema,
]);

/** The deprecated `rates` block (a linear strategy without `type`). */
export const DeprecatedRatesSchema = z
  .strictObject({
    min_rate: int().min(0).default(0),
    max_rate: int().min(0).default(200),
    step: int().positive().default(10),
  })
  .refine(maxGeMin, { error: "max_rate must be >= min_rate", path: ["max_rate"] });

export const CombinationsSchema = z
  .strictObject({
    min_functions: int().min(1).default(1),
    /** Exclusive upper bound on the number of functions per configuration. */
    max_functions: int().min(1).default(2),
  })
  .refine((v) => v.max_functions > v.min_functions, {
    error: "combinations.max_functions must be > combinations.min_functions",
    path: ["max_functions"],
  });

export const CooldownSchema = z.strictObject({
  max_wait_seconds: z.number().min(0).default(180),
  sleep_step_seconds: z.number().positive().default(5),
  idle_threshold_pct: z.number().min(0).max(100).default(15),
  /** Absolute idle floor for node CPU, % of capacity: at or below it the node is idle whatever the baseline. */
  cpu_idle_floor_pct: z.number().min(0).max(100).default(5),
  /** Absolute idle floor for node RAM in bytes (0 = none). */
  ram_idle_floor_bytes: z.number().min(0).default(0),
  /** Absolute idle floor for node power in µW (0 = none). */
  power_idle_floor_microwatts: z.number().min(0).default(0),
});

export const OverloadSchema = z.strictObject({
  /** Node CPU threshold, **% of capacity** (all cores = 100). */
  cpu_overload_pct_of_capacity: z.number().min(0).max(100).default(80),
  ram_overload_pct: z.number().min(0).max(100).default(90),
  success_rate_node_min: z.number().min(0).max(1).default(0.95),
  success_rate_function_min: z.number().min(0).max(1).default(0.9),
  replicas_overload_threshold: int().min(1).default(15),
});

/** Prometheus query behaviour (our addition; bounded retries). */
export const PrometheusSettingsSchema = z
  .strictObject({
    request_timeout_seconds: z.number().positive().max(300).default(10),
    /** Attempts for a query whose result is empty (1 = no retry). */
    empty_result_attempts: int().min(1).max(600).default(5),
    empty_result_interval_seconds: z.number().min(0).max(60).default(1),
    /**
     * How a run window is evaluated: `at_end` = one instant query at the run's end over exactly `[end - start]`;
     * `range` = a range query whose points each look back one step, inside `(start, end]`. Both avoid pre-run data.
     */
    window_mode: z.enum(["at_end", "range"]).default("at_end"),
    range_step_seconds: int().min(1).default(10),
  })
  .refine((v) => v.empty_result_attempts * v.empty_result_interval_seconds <= 600, {
    error: "empty_result_attempts × empty_result_interval_seconds must be <= 600",
    path: ["empty_result_attempts"],
  });

/** A plugin name as the registry spells it (`vegeta`, `k6`). */
const PLUGIN_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * The load generator (a `loadgen` plugin) and its settings. `type` names the plugin (`vegeta` is bundled; `k6`
 * drives a k6 the user installed). `request_timeout` applies to every generator; every other key belongs to the
 * generator and is validated by its plugin's own schema (at `pulumi preview` and again on the runner).
 */
export const LoadgenSettingsSchema = z.looseObject({
  type: z.string().regex(PLUGIN_NAME, { error: "must be a load-generator plugin name such as vegeta or k6" }).default("vegeta"),
  /** Per-request timeout: a request without a response by then counts as a `timeout` failure (DFaaS used 30 s). */
  request_timeout: DurationSchema.default("30s"),
});

/** How result files are written. */
export const ResultsSettingsSchema = z.strictObject({
  /**
   * Unit of `medium_latency_function_<f>` in results.csv: `ns` (integer nanoseconds, as the DFaaS sampler writes
   * it, the default) or `ms` (integer milliseconds truncated, as linux-benchmark-lib writes it).
   */
  latency_unit: z.enum(["ns", "ms"]).default("ns"),
  /** Keep the generator's per-request output files (large: ~100 B per request) instead of deleting them. */
  keep_generator_files: z.boolean().default(false),
});

/** Settings that moved into `loadgen` when the load generator became a plugin; naming them is an error. */
export const MOVED_SETTINGS: Readonly<Record<string, string>> = {
  k6: "moved to loadgen: {type: k6, expected_latency_ms, vus_headroom, max_preallocated_vus, max_vus, graceful_stop, stop_grace_seconds}; request_timeout is loadgen.request_timeout",
  k6_outputs: "moved to loadgen: {type: k6, outputs: [...]}",
  k6_tags: "moved to loadgen: {type: k6, tags: {...}}",
};

export const GrafanaSchema = z.strictObject({
  enabled: z.boolean().default(false),
  url: serviceUrlSchema(CREDENTIALS.other).default("http://localhost:3000"),
  api_key: z.string().optional(),
  org_id: int().min(1).default(1),
});

export const LokiSchema = z.strictObject({
  enabled: z.boolean().default(false),
  endpoint: serviceUrlSchema(CREDENTIALS.other).default("http://localhost:3100"),
  labels: z.record(z.string(), z.string()).default({}),
});

const DEFAULT_FUNCTIONS = [
  { name: "figlet", method: "POST", body: "Hello PEVA-faas!", headers: { "Content-Type": "text/plain" } },
];

/** Built-in query sets shipped in `queries/`. */
export const QUERY_PRESETS = ["openfaas", "local"] as const;

/** The object schema before cross-field rules (exported for introspection, e.g. listing allowed keys). */
export const WorkloadConfigObjectSchema = z.strictObject({
  /** Path of a YAML/JSON file merged under these options (resolved by `resolveConfigSources`). */
  config_path: z.string().min(1).optional(),
  output_dir: z.string().min(1).optional(),
  run_id: z.string().min(1).optional(),
  k3s_host: z.string().min(1).default("127.0.0.1"),
  k3s_user: z.string().min(1).default("ubuntu"),
  k3s_ssh_key: z.string().min(1).default("~/.ssh/id_rsa"),
  k3s_port: port().default(22),
  k6_host: z.string().min(1).default("127.0.0.1"),
  k6_user: z.string().min(1).default("ubuntu"),
  k6_ssh_key: z.string().min(1).default("~/.ssh/id_rsa"),
  k6_port: port().default(22),
  /** When unset: `/root/.peva_faas-k6` for root, `/home/<k6_user>/.peva_faas-k6` otherwise. */
  k6_workspace_root: z.string().min(1).optional(),
  k6_log_stream: z.boolean().default(true),
  k6_outputs: z.unknown().optional(),
  k6_tags: z.unknown().optional(),
  k6: z.unknown().optional(),
  loadgen: LoadgenSettingsSchema.prefault({}),
  results: ResultsSettingsSchema.prefault({}),
  openfaas_port: port().default(31112),
  prometheus_port: port().default(30411),
  gateway_url: serviceUrlSchema(CREDENTIALS.gateway).default("http://127.0.0.1:31112"),
  prometheus_url: serviceUrlSchema(CREDENTIALS.prometheus).default("http://127.0.0.1:30411"),
  prometheus: PrometheusSettingsSchema.prefault({}),
  functions: z.array(FunctionSpecSchema).min(1).prefault(DEFAULT_FUNCTIONS),
  rate_strategy: RateStrategySchema.prefault({ type: "linear" }),
  /** @deprecated use `rate_strategy: {type: linear, …}`. */
  rates: DeprecatedRatesSchema.optional(),
  combinations: CombinationsSchema.prefault({}),
  duration: DurationSchema.default("30s"),
  iterations: int().min(1).default(3),
  /** Upper bound of configurations in the grid; a larger grid is refused at validation with its size and load time. */
  max_configurations: int().min(1).default(DEFAULT_MAX_CONFIGURATIONS),
  /** selection_mode, micro_batch_size, micro_batch_window_s, scheduler, algorithm_entrypoint (scheduling module). */
  ...selectionConfigShape,
  cooldown: CooldownSchema.prefault({}),
  overload: OverloadSchema.prefault({}),
  /** Path of a queries YAML file; when unset the packaged `queries/<queries_preset>.yml` is used. */
  queries_path: z.string().min(1).optional(),
  queries_preset: z.enum(QUERY_PRESETS).default("openfaas"),
  deploy_functions: z.boolean().default(true),
  scaphandre_enabled: z.boolean().default(false),
  function_pid_regexes: z.record(z.string(), z.string()).default({}),
  grafana: GrafanaSchema.prefault({}),
  loki: LokiSchema.prefault({}),
  /** The memory store (schema owned by the memory module). */
  memory: memorySectionSchema,
});

/** The validated object before derived fields. */
type WorkloadConfigObject = z.output<typeof WorkloadConfigObjectSchema>;

/** Cross-field validation: moved keys, unique names, port clashes, max_rate vs strategy, pid regex keys. */
export function checkCrossFields(v: WorkloadConfigObject, ctx: z.RefinementCtx): void {
  for (const [key, message] of Object.entries(MOVED_SETTINGS)) {
    if ((v as Record<string, unknown>)[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message });
  }
  const seen = new Set<string>();
  for (const f of v.functions) {
    if (seen.has(f.name)) {
      ctx.addIssue({ code: "custom", path: ["functions"], message: "functions names must be unique" });
      break;
    }
    seen.add(f.name);
  }
  if (v.openfaas_port === v.prometheus_port) {
    ctx.addIssue({
      code: "custom",
      path: ["prometheus_port"],
      message: `openfaas_port and prometheus_port must be different (both set to ${v.openfaas_port})`,
    });
  }
  if (v.openfaas_port === v.k3s_port) {
    ctx.addIssue({
      code: "custom",
      path: ["openfaas_port"],
      message: `openfaas_port and k3s_port (SSH) must be different (both set to ${v.openfaas_port})`,
    });
  }
  if (v.prometheus_port === v.k3s_port) {
    ctx.addIssue({
      code: "custom",
      path: ["prometheus_port"],
      message: `prometheus_port and k3s_port (SSH) must be different (both set to ${v.prometheus_port})`,
    });
  }
  checkGridSize(v, ctx);
  for (const key of Object.keys(v.function_pid_regexes)) {
    if (!seen.has(key)) {
      ctx.addIssue({ code: "custom", path: ["function_pid_regexes", key], message: "not a configured function" });
    }
  }
}

/**
 * Refuses a grid above `max_configurations`, naming its exact size and the load time alone (configurations ×
 * iterations × duration, before any cooldown). Counted without generating anything, so a grid of 10^30 is refused
 * as fast as one of ten.
 */
function checkGridSize(v: WorkloadConfigObject, ctx: z.RefinementCtx): void {
  const size = gridSize(effectiveRateStrategy(v.rate_strategy, v.rates), v.functions, v.combinations);
  if (size <= BigInt(v.max_configurations)) return;
  const loadSeconds = Number(size) * v.iterations * durationSeconds(v.duration);
  const years = loadSeconds / 31_557_600;
  const load = years < 1000 ? formatHumanDuration(loadSeconds) : `${years.toExponential(2)} years`;
  ctx.addIssue({
    code: "custom",
    path: ["max_configurations"],
    message:
      `the grid has ${formatCount(size)} configurations, above max_configurations (${formatCount(BigInt(v.max_configurations))}); ` +
      `at ${v.iterations} × ${v.duration} each that is at least ${load} of load. Narrow rate_strategy, functions or ` +
      "combinations (max_functions is exclusive), use scheduler: frontier, or raise max_configurations",
  });
}

export type { WorkloadConfigObject };

/**
 * The PEVA-FAAS workload configuration schema (reference §2), in zod 4.
 *
 * Differences from upstream, on purpose:
 * - every object is strict: unknown keys are **rejected** (upstream defect 17);
 * - upstream settings that the lab decides itself or that nothing implements (hosts, SSH, ports, output paths,
 *   Grafana, Loki, …) are refused with what replaces them ({@link REFUSED_SETTINGS}), never accepted and ignored;
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
import { FUNCTION_NAME_PATTERN, FUNCTION_NAME_RULE } from "../model.ts";
import { defaultBody } from "./dfaas-bodies.ts";
import { memorySectionSchema } from "../memory/config.ts";
import { selectionConfigShape } from "../scheduling/config.ts";

/** HTTP methods a function may be called with. */
export const HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] as const;

const int = (): z.ZodInt => z.int();

/** A duration string `<number><unit>` (trimmed), strictly positive. */
export const DurationSchema = z
  .string()
  .trim()
  .regex(DURATION_PATTERN, { error: "duration must match <number><unit>, e.g. 30s or 1m" })
  .refine((v) => !DURATION_PATTERN.test(v) || durationMilliseconds(v) > 0, { error: "duration must be > 0" });

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
  /** Sent verbatim; when absent, DFaaS's body for the function ({@link defaultBody}), else empty. */
  body: z.string().optional(),
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
}).transform((spec) => ({ ...spec, body: spec.body ?? defaultBody(spec.name) }));

const maxGeMin = <T extends { min_rate: number; max_rate: number }>(v: T): boolean => v.max_rate >= v.min_rate;

/**
 * `rate_strategy: {type: linear}` — `min_rate, min_rate + step, …` up to `max_rate`, which is included only when
 * it lands on a step (defaults 0..200 step 10). Every strategy's rates are requests per second per function; a
 * rate of 0 leaves the function unloaded in that configuration, and `functions[].max_rate` drops a function's rates
 * above it (inclusive cap).
 */
export const LinearStrategySchema = z
  .strictObject({
    type: z.literal("linear"),
    min_rate: int().min(0).default(0),
    max_rate: int().min(0).default(200),
    step: int().positive().default(10),
  })
  .refine(maxGeMin, { error: "max_rate must be >= min_rate", path: ["max_rate"] });

/**
 * `rate_strategy: {type: random}` — `count` distinct integers drawn from `[min_rate, max_rate]` (both included;
 * the whole range when `count` is larger), sorted. The PRNG is mulberry32, not upstream's Mersenne Twister, so a
 * seed gives other rates than upstream's (see `rates.ts`); the same seed always gives the same rates. `seed: null`
 * uses a seed derived from the range and count (`derivedSeed`), so a resumed campaign draws the same rates.
 */
export const RandomStrategySchema = z
  .strictObject({
    type: z.literal("random"),
    min_rate: int().min(0).default(10),
    max_rate: int().min(0).default(200),
    count: int().min(1).default(10),
    seed: int().nullable().default(null),
  })
  .refine(maxGeMin, { error: "max_rate must be >= min_rate", path: ["max_rate"] });

/**
 * `rate_strategy: {type: exponential}` — `base^p` for `p = min_power .. max_power` (both included), stopping at the
 * first value above `max_rate` (`null`: no cap) or above 2^53.
 */
export const ExponentialStrategySchema = z
  .strictObject({
    type: z.literal("exponential"),
    base: int().min(2).default(2),
    min_power: int().min(0).default(0),
    max_power: int().min(0).max(52).default(8),
    max_rate: int().min(1).nullable().default(null),
  })
  .refine((v) => v.max_power >= v.min_power, { error: "max_power must be >= min_power", path: ["max_power"] });

/** `rate_strategy: {type: custom}` — exactly the listed rates, sorted, duplicates dropped. */
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

/**
 * The deprecated `rates` block (a linear strategy without `type`). It replaces `rate_strategy` only while that is
 * exactly the default linear 0..200 step 10; otherwise it is validated, warned about and ignored.
 */
export const DeprecatedRatesSchema = z
  .strictObject({
    min_rate: int().min(0).default(0),
    max_rate: int().min(0).default(200),
    step: int().positive().default(10),
  })
  .refine(maxGeMin, { error: "max_rate must be >= min_rate", path: ["max_rate"] });

/**
 * How many functions a configuration loads together: `min_functions .. max_functions - 1`. `max_functions` is
 * **exclusive**, as upstream: the default 1..2 loads one function at a time.
 */
export const CombinationsSchema = z
  .strictObject({
    min_functions: int().min(1).default(1),
    /** Exclusive upper bound on the number of functions per configuration. */
    max_functions: int().min(1).default(2),
  })
  .refine((v) => v.max_functions > v.min_functions, {
    error:
      "combinations.max_functions must be > combinations.min_functions: max_functions is exclusive " +
      "(configurations load min_functions .. max_functions - 1 functions; 1..2 loads one at a time)",
    path: ["max_functions"],
  });

export const CooldownSchema = z.strictObject({
  max_wait_seconds: z.number().min(0).default(180),
  /** Seconds between idle checks: the node is judged idle at the first check that passes. */
  sleep_step_seconds: z.number().positive().default(1),
  /**
   * Before each iteration's cooldown, scale the configuration's functions back to one replica through the
   * gateway's `/system/scale-function` (OpenFaaS and the embedded platform), instead of waiting for autoscaling to
   * wind down. The idle criteria are unchanged; a gateway without the API is waited for as before.
   */
  reset_replicas: z.boolean().default(true),
  idle_threshold_pct: z.number().min(0).max(100).default(15),
  /** Absolute idle floor for node CPU, % of capacity: at or below it the node is idle whatever the baseline. */
  cpu_idle_floor_pct: z.number().min(0).max(100).default(5),
  /** Absolute idle floor for node RAM in bytes (0 = none). */
  ram_idle_floor_bytes: z.number().min(0).default(0),
  /**
   * Idle floor for node RAM, % of the node's memory (`ram_usage_node_pct`): at or below it RAM is idle whatever the
   * baseline. A worker that served requests keeps a larger heap than a fresh one, so a small node never gets back
   * within 15 % of its freshly started baseline; a tenth of the node is not load.
   */
  ram_idle_floor_pct: z.number().min(0).max(100).default(10),
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

/**
 * Noisy-neighbour detection (our addition). An iteration whose platform processes were starved of CPU by other
 * work on the node (`cpu_starvation` above `max_starvation`) is `contended`: stored, never judged, and run again up
 * to `max_reruns` times; still contended after that, its configuration fails with reason `contended` (the next run
 * retries it). Only platforms that export a run delay measure it (the embedded `local` one); elsewhere the figure
 * is unknown and nothing is contended. `max_starvation: 1` turns the detection off.
 */
export const ContentionSchema = z.strictObject({
  /**
   * Share of the CPU the platform wanted (up to the node's cores) that it waited for instead of running, 0..1.
   * Measured on 2 cores with the generator, Prometheus and the runner beside the platform: 0.02–0.26 on an idle
   * machine, 0.16–0.19 beside another test suite, 0.76 and more beside CPU hogs (2 per core); 0.5 separates them.
   */
  max_starvation: z.number().min(0).max(1).default(0.5),
  /** Re-runs of a contended iteration before its configuration fails. */
  max_reruns: int().min(0).max(10).default(2),
});

/**
 * Early abort of a settled iteration (our addition; see `overload/early-abort.ts` for the bound). While the load
 * runs, the runner follows the generator's results and stops the load once the iteration is certainly overloaded;
 * the iteration is recorded as aborted early with its evidence. `enabled` unset means the scheduler's default:
 * on for `frontier`, off for `cartesian` and custom schedulers (a sweep that builds a dataset keeps every window
 * whole). Only generators that report progress while they run can do it (vegeta does; k6 does not).
 */
export const EarlyAbortSchema = z.strictObject({
  enabled: z.boolean().optional(),
  /** Share of the load duration that must have run before an iteration may be aborted. */
  min_share: z.number().gt(0).max(1).default(0.2),
  /** Responses (all functions together) that must have come back before an iteration may be aborted. */
  min_requests: int().min(1).default(50),
  /** Seconds between two looks at the generator's results. */
  check_interval_seconds: z.number().min(0.2).max(60).default(1),
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

/** Where the platform and runner hosts, their SSH users and ports come from instead of the workload settings. */
const PROVISIONER_SSH =
  "peva-lab:provisioner (type ssh: hosts[].user and hosts[].port; type multipass: the VMs peva-lab creates; type local: no SSH)";
/** Where the SSH key comes from instead of the workload settings. */
const SSH_KEY_SECRET = "the SSH key is the stack secret peva-lab:sshPrivateKey (pulumi config set --secret peva-lab:sshPrivateKey < <key file>)";

/**
 * Settings the workload refuses, each with what replaces it in peva-lab: upstream settings the lab decides itself
 * (hosts, SSH, ports, where results go, run ids), that moved into `loadgen` when the load generator became a plugin,
 * or that nothing implements. Naming one is an error at its own path, whatever its value: an accepted setting that
 * did nothing would let a campaign run with something else than the user asked for.
 */
export const REFUSED_SETTINGS = {
  config_path:
    "not supported: peva-lab reads the workload settings from the stack config only (peva-lab:workloads.peva-faas.settings); " +
    "`peva-faas plan --spec <file>` takes a settings file directly",
  output_dir: "the lab decides where results go (peva-lab:output.dir: <dir>/<stack>/<run id>/<host>/peva_faas on the controller)",
  run_id: "the lab names each run (<stack>-<date>-<time>-<hex>, in the results path and in `pulumi stack output run`)",
  k3s_host: "the platform host comes from the stack's provisioner (peva-lab:provisioner: the host with role platform; this machine for type local)",
  k3s_user: `SSH to the platform host is set by ${PROVISIONER_SSH}`,
  k3s_port: `SSH to the platform host is set by ${PROVISIONER_SSH}`,
  k3s_ssh_key: SSH_KEY_SECRET,
  k6_host: "the runner host comes from the stack's provisioner (peva-lab:provisioner: the host with role runner; this machine for type local)",
  k6_user: `SSH to the runner host is set by ${PROVISIONER_SSH}`,
  k6_port: `SSH to the runner host is set by ${PROVISIONER_SSH}`,
  k6_ssh_key: SSH_KEY_SECRET,
  k6_workspace_root:
    "the load generator works in loadgen/ of the run's results directory, which the lab chooses (under peva-lab:output.dir " +
    "on the local stack, ~/.peva-lab/benchmark_results/peva_faas/<run id> on a remote runner); results.keep_generator_files keeps its files",
  k6_log_stream:
    "not supported: the run's progress streams into the `pulumi up` output; the runner's events are in events.jsonl of " +
    "the results directory and its log in runner.log of the run directory on the runner host",
  k6: "moved to loadgen: {type: k6, expected_latency_ms, vus_headroom, max_preallocated_vus, max_vus, graceful_stop, stop_grace_seconds}; request_timeout is loadgen.request_timeout",
  k6_outputs: "moved to loadgen: {type: k6, outputs: [...]}",
  k6_tags: "moved to loadgen: {type: k6, tags: {...}}",
  openfaas_port:
    "the platform's ports come from peva-lab:platform (gatewayPort, prometheusPort for type openfaas; the embedded platform picks free ports); " +
    "the runner gets the gateway and Prometheus URLs from the lab",
  prometheus_port:
    "the platform's ports come from peva-lab:platform (gatewayPort, prometheusPort for type openfaas; the embedded platform picks free ports); " +
    "the runner gets the gateway and Prometheus URLs from the lab",
  deploy_functions:
    "not needed: on peva-lab:platform type openfaas the lab deploys the campaign's functions itself, from its catalogue (figlet, shasum, env, " +
    "nmap, curl), through the gateway's API before the campaign starts; other functions must already be deployed. The embedded platform " +
    "(type local) serves figlet, shasum, env, markdown and qrcode",
  grafana:
    "not supported: peva-lab has no Grafana integration; each run's metrics are in results.csv, results_long.csv and metrics/ " +
    "of its results directory, and the platform's Prometheus holds the raw series",
  loki:
    "not supported: peva-lab ships no logs to Loki; each run keeps events.jsonl in its results directory and runner.log on the runner host",
  // The lab hands the runner the deployed platform's endpoints and query set in the run spec; a value here would be
  // overwritten, and a URL would carry its credentials into the state in plain text.
  gateway_url:
    "the lab gives the runner the deployed gateway's URL (peva-lab:platform); its password is the secret peva-lab:gatewayPassword " +
    "(pulumi config set --secret peva-lab:gatewayPassword <password>), never part of a URL",
  prometheus_url: "the lab gives the runner the URL of the Prometheus it deployed beside the platform (peva-lab:platform)",
  queries_preset: "the packaged queries follow the platform (peva-lab:platform type local or openfaas); queries_path names a file of your own",
} as const satisfies Readonly<Record<string, string>>;

/** A key of {@link REFUSED_SETTINGS}. */
export type RefusedSetting = keyof typeof REFUSED_SETTINGS;

/**
 * One schema per refused key: absent is fine, any value (`null` and `false` included) is an issue at the key's own
 * path with its message. Checked per field rather than in {@link checkCrossFields}, which zod skips once a value
 * elsewhere has the wrong type: a refused key is reported together with every other problem of the config.
 */
function refusedShape(): Record<RefusedSetting, z.ZodOptional<z.ZodNever>> {
  const shape = {} as Record<RefusedSetting, z.ZodOptional<z.ZodNever>>;
  for (const key of Object.keys(REFUSED_SETTINGS) as RefusedSetting[]) {
    shape[key] = z.never({ error: REFUSED_SETTINGS[key] }).optional();
  }
  return shape;
}

const DEFAULT_FUNCTIONS = [
  { name: "figlet", method: "POST", body: "Hello PEVA-faas!", headers: { "Content-Type": "text/plain" } },
];


/** The object schema before cross-field rules (exported for introspection, e.g. listing allowed keys). */
export const WorkloadConfigObjectSchema = z.strictObject({
  ...refusedShape(),
  loadgen: LoadgenSettingsSchema.prefault({}),
  results: ResultsSettingsSchema.prefault({}),
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
  /**
   * Stop a configuration's iterations as soon as its verdict can no longer change (with 3 iterations, two that
   * agree decide); the iterations left are recorded as `not_needed`. Unset means the scheduler's default: on for
   * `frontier`, off for `cartesian` and custom schedulers (a sweep that builds a dataset keeps every iteration).
   * It never changes a verdict.
   */
  decide_early: z.boolean().optional(),
  early_abort: EarlyAbortSchema.prefault({}),
  cooldown: CooldownSchema.prefault({}),
  overload: OverloadSchema.prefault({}),
  contention: ContentionSchema.prefault({}),
  /** Path of a queries YAML file on the runner host; when unset the packaged set of the platform's kind is used. */
  queries_path: z.string().min(1).optional(),
  /** Run the queries marked `enabled_if: scaphandre` (power); without them the power columns are `nan`. */
  scaphandre_enabled: z.boolean().default(false),
  /**
   * Per configured function, the value of the `{pid_regex}` placeholder in the queries (Scaphandre's per-process
   * power); a query with that placeholder is skipped for a function without one.
   */
  function_pid_regexes: z.record(z.string(), z.string()).default({}),
  /** The memory store (schema owned by the memory module). */
  memory: memorySectionSchema,
});

/** The validated object before derived fields. */
type WorkloadConfigObject = z.output<typeof WorkloadConfigObjectSchema>;

/** Cross-field validation: unique names, the grid size, pid regex keys. */
export function checkCrossFields(v: WorkloadConfigObject, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const f of v.functions) {
    if (seen.has(f.name)) {
      ctx.addIssue({ code: "custom", path: ["functions"], message: "functions names must be unique" });
      break;
    }
    seen.add(f.name);
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

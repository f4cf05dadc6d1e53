/**
 * Settings of the k6 load generator: the `loadgen: {type: k6, …}` block of the workload settings. Pure.
 *
 * They used to be the workload's `k6`, `k6_outputs` and `k6_tags` blocks; the per-request timeout moved to
 * `LoadRequest.requestTimeoutSeconds` (it is a property of the load window, not of the tool).
 */
import { z } from "zod";

/** k6 duration strings this plugin accepts: `<integer><unit>` with unit `ms`, `s`, `m` or `h`, e.g. `30s`. */
export const DURATION_PATTERN = /^[0-9]+(ms|s|m|h)$/;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a duration string; throws `RangeError` when it does not match {@link DURATION_PATTERN}. */
export function durationMilliseconds(text: string): number {
  const trimmed = text.trim();
  const match = DURATION_PATTERN.exec(trimmed);
  if (!match) throw new RangeError(`duration '${text}' must match <number><unit>, e.g. 30s or 500ms`);
  const unit = match[1]!;
  return Number(trimmed.slice(0, trimmed.length - unit.length)) * UNIT_MS[unit]!;
}

const durationSchema = z
  .string()
  .trim()
  .regex(DURATION_PATTERN, { error: "duration must match <number><unit>, e.g. 30s or 500ms" })
  .refine((v) => !DURATION_PATTERN.test(v) || durationMilliseconds(v) > 0, { error: "duration must be > 0" });

/**
 * Tag keys the plugin owns: `scenario` carries the per-function submetrics (dropped iterations, bytes) and
 * `function` names the function on every sample.
 */
export const RESERVED_TAG_KEYS = ["scenario", "function"] as const;

const tagKeySchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, { error: "tag keys are letters, digits, '_', '.', '-' (not starting with a digit)" })
  .refine((k) => !(RESERVED_TAG_KEYS as readonly string[]).includes(k), {
    error: `tag keys ${RESERVED_TAG_KEYS.map((k) => `'${k}'`).join(" and ")} are set by the plugin`,
  });

/** The settings schema (strict: unknown keys are rejected). */
export const k6SettingsSchema = z
  .object({
    type: z.literal("k6").optional().describe("The workload settings' discriminator (`loadgen: {type: k6}`); accepted and ignored."),
    expected_latency_ms: z
      .number()
      .positive()
      .default(250)
      .describe("Expected response time, milliseconds; sizes preAllocatedVUs = ceil(rate × latency × headroom)."),
    vus_headroom: z.number().min(1).default(2).describe("Factor on rate × expected latency for preAllocatedVUs."),
    max_preallocated_vus: z.int().min(1).default(1000).describe("Upper bound of preAllocatedVUs per function."),
    max_vus: z.int().min(1).default(4000).describe("Upper bound of maxVUs per function."),
    graceful_stop: durationSchema
      .default("30s")
      .describe("k6 scenario gracefulStop: how long in-flight requests may finish after the load window (k6 duration)."),
    stop_grace_seconds: z
      .number()
      .min(0)
      .max(120)
      .default(5)
      .describe("Seconds between SIGINT and SIGKILL when a run is stopped."),
    outputs: z
      .array(z.string())
      .default([])
      .transform((xs) => xs.map((x) => x.trim()).filter((x) => x.length > 0))
      .describe("Extra k6 outputs, each passed as `--out <value>` (e.g. `json=/tmp/k6.json`)."),
    tags: z
      .record(tagKeySchema, z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .default({})
      .describe("Tags added to every k6 sample, each passed as `--tag key=value`."),
  })
  .strict();

/** Validated settings. */
export type K6Settings = z.output<typeof k6SettingsSchema>;

/** Settings as written in the workload settings (defaults optional). */
export type K6SettingsInput = z.input<typeof k6SettingsSchema>;

/** The settings with every default applied. */
export const DEFAULT_K6_SETTINGS: K6Settings = Object.freeze(k6SettingsSchema.parse({}));

/**
 * The settings that shape the load, canonical values, for {@link GeneratorIdentity.settings}: VU sizing, the
 * scenario's graceful stop and the stop grace. Outputs and tags only label samples and are left out.
 */
export function identitySettings(s: K6Settings): Record<string, string | number | boolean> {
  return {
    executor: "constant-arrival-rate",
    expected_latency_ms: s.expected_latency_ms,
    vus_headroom: s.vus_headroom,
    max_preallocated_vus: s.max_preallocated_vus,
    max_vus: s.max_vus,
    graceful_stop_ms: durationMilliseconds(s.graceful_stop),
    stop_grace_seconds: s.stop_grace_seconds,
    discard_response_bodies: true,
  };
}

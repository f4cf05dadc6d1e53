/**
 * Settings of the `vegeta` load generator: the knobs of `vegeta attack` that change what a measurement means. Every
 * key is optional and has a default; unknown keys are rejected, so a typo fails instead of silently changing nothing.
 */
import { z } from "zod";

export const vegetaSettingsSchema = z
  .object({
    max_workers: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe(
        "Upper bound of vegeta's workers (-max-workers), i.e. of requests in flight per function. When every worker " +
          "is busy vegeta silently sends fewer requests than asked; this plugin reports the shortfall as `dropped`.",
      ),
    keepalive: z.boolean().default(true).describe("Reuse TCP connections between requests (-keepalive)."),
    connections: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe("Maximum idle open connections per target host (-connections)."),
    http2: z
      .boolean()
      .default(false)
      .describe("Send HTTP/2 requests to servers that offer it over TLS (-http2; vegeta's own default is true)."),
  })
  .strict();

/** Validated settings of the plugin (defaults applied). */
export type VegetaSettings = z.output<typeof vegetaSettingsSchema>;

/** The settings when none are configured. */
export const DEFAULT_VEGETA_SETTINGS: VegetaSettings = Object.freeze(vegetaSettingsSchema.parse({}));

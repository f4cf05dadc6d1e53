/**
 * The run spec: what the controller ships to the runner host for one campaign run (`peva-faas run --spec <file>`).
 * Versioned and strictly validated: a spec from another version is refused, never guessed at.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";

/** Schema id of the run spec. */
export const RUN_SPEC_SCHEMA = "peva-faas-run-spec/v1";

/** An http(s) URL without user info: credentials travel in 0600 files, never in URLs (which are logged). */
const url = z
  .string()
  .regex(/^https?:\/\/[^\s/]+/, "must be an http(s) URL")
  .refine((u) => !/^https?:\/\/[^/]*@/.test(u), "must not carry credentials (user:password@); name a password file instead");

/** The run spec schema. */
export const runSpecSchema = z
  .object({
    schema: z.literal(RUN_SPEC_SCHEMA),
    run_id: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, "letters, digits, '.', '_' and '-' only"),
    /** Inventory name of the runner host (used in output paths). */
    host: z.string().min(1),
    /** Absolute runner workdir: memory and the STOP file live under it. */
    workdir: z.string().startsWith("/", "must be absolute"),
    /** Absolute directory for this run's result files (`<output>/<run_id>/<host>/peva_faas`). */
    results_dir: z.string().startsWith("/", "must be absolute"),
    /** Absolute directory of this run's control files (events.jsonl, status.json). */
    run_dir: z.string().startsWith("/", "must be absolute"),
    /** Which PromQL queries file applies. */
    platform: z.enum(["local", "openfaas"]),
    gateway: z.object({ url, user: z.string().min(1).default("admin"), password_file: z.string().min(1) }).strict(),
    prometheus: z
      .object({
        url,
        /** Basic-auth user and password file (0600), for a Prometheus that needs them; the lab's needs none. */
        user: z.string().min(1).optional(),
        password_file: z.string().min(1).optional(),
        /** How often it scrapes the platform (seconds): sizes the trailing windows of idle snapshots. Absent: 1. */
        scrape_interval_seconds: z.number().positive().max(3600).optional(),
        /** Longest wait (seconds), before any load, for every query to have a series. Absent: ten scrapes, at least 60. */
        series_wait_seconds: z.number().positive().max(3600).optional(),
      })
      .strict()
      .refine((p) => (p.user === undefined) === (p.password_file === undefined), "user and password_file go together"),
    /** Cores of the node under test: node CPU is judged against cores × 100 %. */
    node_cores: z.number().int().min(1),
    /**
     * What else defines the platform under test for the campaign identity: its limits (replicas, queue depth), its
     * node's size, its pinned versions. Flat; filled by the controller (`plan/platform-identity.ts`). Optional, so
     * a spec written before it existed still runs, identified by `platform` and `node_cores` alone (the hash has a
     * new shape: campaign ids from before this field differ from today's, and their memory is not reused).
     */
    platform_identity: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** The peva-faas workload settings (validated by the workload's own schema). */
    settings: z.record(z.string(), z.unknown()),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // The identity must describe the platform the run measures, not another one.
    const identity = spec.platform_identity;
    if (identity === undefined) return;
    if (identity["kind"] !== undefined && identity["kind"] !== spec.platform) {
      ctx.addIssue({ code: "custom", path: ["platform_identity", "kind"], message: `must be the spec's platform (${spec.platform})` });
    }
    if (identity["node_cores"] !== undefined && identity["node_cores"] !== spec.node_cores) {
      ctx.addIssue({ code: "custom", path: ["platform_identity", "node_cores"], message: `must be the spec's node_cores (${spec.node_cores})` });
    }
  });

/** A validated run spec. */
export type RunSpec = z.infer<typeof runSpecSchema>;

/**
 * Prefix of the `platform_identity` keys that name the image the lab deployed a function from
 * (`function_image_<name>`): the runner checks before any load that the gateway runs that image.
 */
const FUNCTION_IMAGE_KEY_PREFIX = "function_image_";

/** The images the platform identity says the functions run, by function name (none when the lab deployed none). */
export function identityFunctionImages(identity: RunSpec["platform_identity"]): Record<string, string> {
  const images: Record<string, string> = {};
  for (const [key, value] of Object.entries(identity ?? {})) {
    if (key.startsWith(FUNCTION_IMAGE_KEY_PREFIX) && typeof value === "string") images[key.slice(FUNCTION_IMAGE_KEY_PREFIX.length)] = value;
  }
  return images;
}

/** Reads and validates a spec file; errors name the field. */
export async function readRunSpec(path: string): Promise<RunSpec> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new Error(`cannot read run spec ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = runSpecSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`invalid run spec ${path}:\n  ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("\n  ")}`);
  }
  return parsed.data;
}

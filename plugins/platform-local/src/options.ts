/** The gateway's knobs, validated once (API and CLI share this schema), with their defaults. */
import { z } from "zod";
import { DEFAULT_ITERATIONS, FUNCTION_NAMES } from "./functions.ts";

/** The platform's node: its declared size and how it is enforced (see `node/platform-node.ts`). */
const nodeOptionsSchema = z
  .object({
    cpus: z.number().int().min(1).max(1024).describe("CPUs of the node (CFS quota), whole CPUs."),
    memoryMb: z.number().int().min(256).max(4_194_304).describe("Memory of the node, MiB (the stack config's minimum too)."),
    isolation: z
      .enum(["auto", "cgroup", "processes"])
      .default("auto")
      .describe("auto: a cgroup when one can be made, else the processes summed; cgroup: a cgroup or fail; processes: never a cgroup."),
  })
  .strict();

const ms = (max: number) => z.number().int().min(1).max(max);

const iterationsSchema = z
  .partialRecord(z.enum(FUNCTION_NAMES), z.number().int().min(1).max(10_000_000))
  .default({})
  .describe("Repetitions of the real operation per request, per function (the work knob); unset ones use DEFAULT_ITERATIONS.");

/** Schema of {@link GatewayOptions}; defaults follow OpenFaaS CE where it has an equivalent (see README). */
export const gatewayOptionsSchema = z
  .object({
    host: z.string().min(1).default("127.0.0.1").describe("Address to listen on."),
    port: z.number().int().min(0).max(65_535).default(0).describe("TCP port; 0 picks a free one."),
    functions: z
      .array(z.enum(FUNCTION_NAMES))
      .min(1)
      .refine((a) => new Set(a).size === a.length, "functions must not repeat")
      .default([...FUNCTION_NAMES])
      .describe("Functions to deploy."),
    minReplicas: z.number().int().min(1).max(64).default(1).describe("Replicas per function at rest."),
    maxReplicas: z.number().int().min(1).max(64).default(4).describe("Upper bound of replicas per function."),
    queueDepth: z.number().int().min(1).max(10_000).default(32).describe("Queued requests per active replica before 429."),
    queueTimeoutMs: ms(600_000).default(10_000).describe("A request queued longer gets 504."),
    execTimeoutMs: ms(600_000).default(30_000).describe("A request running longer gets 504; its replica is replaced."),
    scaleIntervalMs: ms(60_000).default(1_000).describe("How often the scaling rule is evaluated."),
    rateWindowMs: ms(600_000).default(10_000).describe("Range of the success rate the rule looks at (OpenFaaS: rate[10s])."),
    targetRatePerReplica: z.number().positive().default(5).describe("Successes/s per replica above which a function is hot (OpenFaaS: 5)."),
    scaleFactorPercent: z.number().int().min(1).max(100).default(20).describe("Step as % of maxReplicas (OpenFaaS scale_factor: 20)."),
    scaleUpAfterMs: z.number().int().min(0).max(600_000).default(5_000).describe("Hot this long before each step up (OpenFaaS alert for: 5s)."),
    scaleDownAfterMs: z.number().int().min(0).max(3_600_000).default(30_000).describe("Cool this long before each step down."),
    iterations: iterationsSchema,
    password: z.string().min(1).optional().describe("Basic-auth password of user admin for /system/*."),
    passwordFile: z.string().min(1).optional().describe("File holding the password (first line)."),
    maxBodyBytes: z.number().int().min(0).max(64 * 1024 * 1024).default(1024 * 1024).describe("Larger request bodies get 413."),
    maxConnections: z.number().int().min(1).max(65_536).default(4096).describe("Open TCP connections accepted at once."),
    startTimeoutMs: ms(300_000).default(30_000).describe("How long startup waits for the first replicas."),
    node: nodeOptionsSchema.optional().describe("The node's declared size; absent: the machine's size, measured as the platform's processes summed."),
  })
  .strict()
  .refine((o) => o.minReplicas <= o.maxReplicas, { message: "minReplicas must not exceed maxReplicas", path: ["minReplicas"] })
  .refine((o) => (o.password === undefined) !== (o.passwordFile === undefined), {
    message: "give exactly one of password and passwordFile",
    path: ["password"],
  });

/** Gateway options as callers write them (everything but the password optional). */
export type GatewayOptions = z.input<typeof gatewayOptionsSchema>;

/** Gateway options with defaults applied. */
export type ResolvedGatewayOptions = z.output<typeof gatewayOptionsSchema>;

/** Iterations of `name` after defaults. */
export function iterationsOf(options: ResolvedGatewayOptions, name: (typeof FUNCTION_NAMES)[number]): number {
  return options.iterations[name] ?? DEFAULT_ITERATIONS[name];
}

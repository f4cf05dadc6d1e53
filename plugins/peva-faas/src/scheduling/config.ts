/**
 * Workload-config fields that choose how configurations are selected (reference §2, §11.4), exported for the
 * config module to embed. Keys and defaults match upstream; `scheduler` is ours.
 */
import { z } from "zod";

/** `module:Export`: a module specifier (path or package name) and the export to load from it. */
export const ENTRYPOINT_PATTERN = /^(.+):([A-Za-z_$][\w$]*)$/;

/** Built-in schedulers. */
export const BUILTIN_SCHEDULERS = ["cartesian", "frontier"] as const;

/** Name of a built-in scheduler. */
export type BuiltinSchedulerName = (typeof BUILTIN_SCHEDULERS)[number];

const entrypoint = (field: string): z.ZodString =>
  z
    .string()
    .trim()
    .regex(ENTRYPOINT_PATTERN, { error: `${field} must look like module:Export` });

/**
 * The scheduler: `cartesian` (default, upstream order with dominance pruning), `frontier` (capacity-frontier
 * search), or a custom `module:Export` implementing `ConfigScheduler`.
 */
export const schedulerSpecSchema = z
  .string()
  .trim()
  .refine((v) => (BUILTIN_SCHEDULERS as readonly string[]).includes(v) || ENTRYPOINT_PATTERN.test(v), {
    error: `scheduler must be one of ${BUILTIN_SCHEDULERS.join(", ")} or module:Export`,
  });

/** Scheduler setting as validated. */
export type SchedulerSpec = z.output<typeof schedulerSpecSchema>;

/** The selection fields as a zod shape, to spread into the top-level workload object. */
export const selectionConfigShape = {
  selection_mode: z.enum(["online", "micro_batch"]).default("online"),
  micro_batch_size: z.int().min(1).default(8),
  micro_batch_window_s: z.number().min(1).default(30),
  scheduler: schedulerSpecSchema.default("cartesian"),
  algorithm_entrypoint: entrypoint("algorithm_entrypoint").optional(),
  /**
   * Directories, besides the project and its `node_modules`, that `scheduler`/`algorithm_entrypoint` modules may
   * come from (absolute, or relative to the project). A module is refused when its real path lies elsewhere.
   */
  entrypoint_dirs: z.array(z.string().trim().min(1, { error: "entrypoint_dirs entries must not be empty" })).default([]),
};

/** The selection fields on their own, strict. */
export const selectionConfigSchema = z.object(selectionConfigShape).strict();

/** Validated selection settings. */
export type SelectionConfig = z.output<typeof selectionConfigSchema>;

/**
 * How many configurations the executor should ask for at a time: 1 in `online` mode (the policy sees every
 * result before the next choice), `micro_batch_size` in `micro_batch` mode.
 */
export function desiredBatchSize(config: Pick<SelectionConfig, "selection_mode" | "micro_batch_size">): number {
  return config.selection_mode === "online" ? 1 : config.micro_batch_size;
}

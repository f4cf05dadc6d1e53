/**
 * From configuration to scheduler and policy instances: built-ins by name, anything else through
 * `module:Export` entrypoints (checked before use, see `entrypoint.ts`).
 */
import type { Configuration } from "../model.ts";
import type {
  ConfigScheduler,
  KnownVerdict,
  PolicyAlgorithm,
} from "./contracts.ts";
import { POLICY_CONTRACT, SCHEDULER_CONTRACT } from "./contracts.ts";
import { CartesianScheduler } from "./cartesian.ts";
import type { SchedulerSpec, SelectionConfig } from "./config.ts";
import { quoteText } from "@peva-lab/core";
import { EntrypointError, loadEntrypoint, type EntrypointRoots } from "./entrypoint.ts";
import { FrontierScheduler } from "./frontier.ts";
import { NoOpPolicy } from "./policy.ts";

/** What a scheduler is built from; also the argument a custom scheduler's constructor receives. */
export interface SchedulerInputs {
  /** The campaign's configurations in enumeration order (a re-iterable collection or a one-shot generator). */
  readonly configurations: Iterable<Configuration>;
  /** Verdicts from the memory (the engine's `verdicts()`), so dominance survives a resume (defect 6). */
  readonly known: readonly KnownVerdict[];
}

/**
 * Where entrypoints resolve from and may come from: the project directory (with its `node_modules`) and the
 * `entrypoint_dirs` setting.
 */
export type LoaderOptions = EntrypointRoots;

/** Builds the scheduler named by `scheduler` (`cartesian`, `frontier`, or `module:Export`). */
export async function createScheduler(
  spec: SchedulerSpec,
  inputs: SchedulerInputs,
  loader: LoaderOptions,
): Promise<ConfigScheduler> {
  if (spec === "cartesian") return new CartesianScheduler(inputs);
  if (spec === "frontier") return new FrontierScheduler(inputs);
  const scheduler = await loadEntrypoint<ConfigScheduler>(spec, {
    ...loader,
    ...SCHEDULER_CONTRACT,
    args: inputs,
  });
  // Checked on the built instance: `inFlight` is state (often a getter or a field), not a prototype method.
  if (typeof scheduler.inFlight !== "number") {
    throw new EntrypointError(
      "members_missing",
      `${quoteText(spec.trim())} instance does not implement ConfigScheduler: inFlight must be a number`,
    );
  }
  return scheduler;
}

/** Arguments a custom policy's constructor receives. */
export interface PolicyInputs {
  readonly selection: Pick<SelectionConfig, "selection_mode" | "micro_batch_size" | "micro_batch_window_s">;
}

/** The configured policy: `algorithm_entrypoint` when set, else {@link NoOpPolicy}. */
export async function createPolicy(
  entrypoint: string | undefined,
  inputs: PolicyInputs,
  loader: LoaderOptions,
): Promise<PolicyAlgorithm> {
  if (entrypoint === undefined) return new NoOpPolicy();
  return loadEntrypoint<PolicyAlgorithm>(entrypoint, {
    ...loader,
    ...POLICY_CONTRACT,
    args: inputs,
  });
}

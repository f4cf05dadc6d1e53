/**
 * Contracts of configuration selection: a scheduler proposes candidates, a policy chooses among them, the
 * executor runs the choice and feeds outcomes back. The executor depends on these interfaces only, so a
 * custom scheduler or policy (loaded from `module:Export`) plugs in without touching it.
 */
import type { Configuration } from "../model.ts";
import type { PolicyUpdater, SkipReason } from "../memory/contracts.ts";

/** A configuration the scheduler decided not to run, and why (stored as a skipped event, defect 5). */
export interface SkipDecision {
  readonly config: Configuration;
  readonly reason: SkipReason;
  /** The configuration that justified the skip (the dominating overload or the covering success), if any. */
  readonly because?: Configuration;
}

/** What a scheduler may ask the outside world while proposing. */
export interface SchedulerContext {
  /** True when the configuration is DONE in this campaign's memory (the engine's `isSeen`). */
  isSeen(configId: string): boolean;
}

/** Argument of {@link ConfigScheduler.proposeBatch}. */
export interface ProposeBatchRequest {
  readonly ctx: SchedulerContext;
  /** Maximum number of candidates wanted. */
  readonly desiredSize: number;
}

/** Answer of {@link ConfigScheduler.proposeBatch}. */
export interface SchedulerProposal {
  /** Configurations worth running now, best first; not consumed until {@link ConfigScheduler.accept}. */
  readonly candidates: readonly Configuration[];
  /** Newly decided skips; each configuration is reported once. */
  readonly skipped: readonly SkipDecision[];
  /** True when nothing is left to run or to wait for. */
  readonly done: boolean;
}

/** What the executor reports back about a configuration it ran. */
export type ConfigOutcome =
  | { readonly config: Configuration; readonly status: "done"; readonly overloaded: boolean }
  | { readonly config: Configuration; readonly status: "failed" | "stopped" };

/** A verdict known before the run starts (from the memory: defect 6). */
export interface KnownVerdict {
  readonly config: Configuration;
  readonly overloaded: boolean;
}

/**
 * Orders the configurations of a campaign. Batch-wise and feedback-driven: `proposeBatch` → `accept` the chosen
 * ones → run them → `observe` each outcome → `proposeBatch` again, until `done`.
 *
 * Invariant: when nothing is in flight, a proposal has at least one candidate or `done: true`.
 */
export interface ConfigScheduler {
  readonly name: string;
  proposeBatch(request: ProposeBatchRequest): SchedulerProposal | Promise<SchedulerProposal>;
  /** Marks candidates as started; they are not proposed again. */
  accept(selected: readonly Configuration[]): void;
  /** Feeds back an outcome of an accepted configuration. */
  observe(outcome: ConfigOutcome): void;
  /** Accepted configurations without an outcome yet. */
  readonly inFlight: number;
}

/** Read access to the memory's feature vectors, for learning policies. */
export interface FeatureLookup {
  featureVector(configId: string): Float64Array | undefined;
  featureNames(): readonly string[];
}

/** Argument of {@link PolicyAlgorithm.chooseBatch}. */
export interface ChooseBatchRequest {
  readonly candidates: readonly Configuration[];
  readonly desiredSize: number;
  /** Present when the executor wires the memory in. */
  readonly features?: FeatureLookup;
}

/**
 * A selection policy (reference §11.4): chooses which candidates run, and learns from ingested events through
 * the {@link PolicyUpdater} half, which the memory engine drives.
 */
export interface PolicyAlgorithm extends PolicyUpdater {
  /** Returns 1..desiredSize distinct configurations taken from `candidates` (when there are candidates). */
  chooseBatch(request: ChooseBatchRequest): readonly Configuration[] | Promise<readonly Configuration[]>;
}

/** Members a loaded policy must have; checked before anything is called (see `entrypoint.ts`). */
export const POLICY_MEMBERS = ["chooseBatch", "updateOnline", "updateBatch"] as const;

/** Members a loaded scheduler must have. */
export const SCHEDULER_MEMBERS = ["proposeBatch", "accept", "observe"] as const;

/** A contract an entrypoint's export must implement: its name in messages and its required methods. */
export interface EntrypointContract {
  readonly kind: string;
  readonly requiredMembers: readonly string[];
}

/** What a custom `scheduler: "module:Export"` implements. */
export const SCHEDULER_CONTRACT: EntrypointContract = { kind: "ConfigScheduler", requiredMembers: SCHEDULER_MEMBERS };

/** What an `algorithm_entrypoint` implements. */
export const POLICY_CONTRACT: EntrypointContract = { kind: "PolicyAlgorithm", requiredMembers: POLICY_MEMBERS };

/**
 * The default policy and the selection function the executor calls: every selection goes through
 * `chooseBatch` (defect 7: upstream never called it), with Cartesian order as the default behaviour.
 */
import type { Configuration } from "../model.ts";
import type { PolicyUpdateResult } from "../memory/contracts.ts";
import type {
  ChooseBatchRequest,
  ConfigScheduler,
  FeatureLookup,
  PolicyAlgorithm,
  SchedulerContext,
  SkipDecision,
} from "./contracts.ts";
import { assertSize } from "./cartesian.ts";

/** Takes the first `desiredSize` candidates (the scheduler's order) and learns nothing. */
export class NoOpPolicy implements PolicyAlgorithm {
  /** The first `desiredSize` candidates. */
  chooseBatch({ candidates, desiredSize }: ChooseBatchRequest): readonly Configuration[] {
    return candidates.slice(0, desiredSize);
  }

  /** Learns nothing. */
  updateOnline(): PolicyUpdateResult | void {}

  /** Learns nothing. */
  updateBatch(): PolicyUpdateResult | void {}
}

/** A policy returned something that is not a subset of the candidates. */
export class PolicyContractError extends Error {
  override name = "PolicyContractError";
}

/** The scheduler has nothing to propose, nothing in flight, yet is not done. */
export class SchedulerStalledError extends Error {
  override name = "SchedulerStalledError";
}

/** Options of {@link selectBatch}. */
export interface SelectBatchOptions {
  readonly scheduler: ConfigScheduler;
  readonly policy: PolicyAlgorithm;
  readonly ctx: SchedulerContext;
  /** How many configurations to run next (1 in online mode). */
  readonly desiredSize: number;
  /**
   * How many candidates the policy chooses from. Default `max(desiredSize, 16)`: larger than the batch so a
   * policy has a real choice; the NoOp policy still yields pure scheduler order.
   */
  readonly candidatePoolSize?: number;
  readonly features?: FeatureLookup;
}

/** Result of {@link selectBatch}. */
export interface BatchSelection {
  /** Run these (already accepted by the scheduler). */
  readonly selected: readonly Configuration[];
  /** Record these as skipped events. */
  readonly skipped: readonly SkipDecision[];
  /** Nothing left: stop asking. */
  readonly done: boolean;
}

/**
 * Asks the scheduler for candidates, lets the policy choose, checks the choice, and tells the scheduler what
 * starts. An empty `selected` with `done: false` means: feed back the in-flight outcomes, then ask again.
 */
export async function selectBatch(options: SelectBatchOptions): Promise<BatchSelection> {
  const { scheduler, policy, ctx, desiredSize } = options;
  assertSize(desiredSize);
  const pool = options.candidatePoolSize ?? Math.max(desiredSize, 16);
  assertSize(pool);
  const proposal = await scheduler.proposeBatch({ ctx, desiredSize: Math.max(pool, desiredSize) });
  if (proposal.candidates.length === 0) {
    if (!proposal.done && scheduler.inFlight === 0) {
      throw new SchedulerStalledError(`scheduler '${scheduler.name}' proposed nothing, has nothing in flight, and is not done`);
    }
    return { selected: [], skipped: proposal.skipped, done: proposal.done };
  }
  const request: ChooseBatchRequest = {
    candidates: proposal.candidates,
    desiredSize,
    ...(options.features ? { features: options.features } : {}),
  };
  const chosen = await policy.chooseBatch(request);
  const selected = checkChoice(chosen, proposal.candidates, desiredSize);
  scheduler.accept(selected);
  return { selected, skipped: proposal.skipped, done: false };
}

function checkChoice(
  chosen: readonly Configuration[],
  candidates: readonly Configuration[],
  desiredSize: number,
): Configuration[] {
  if (!Array.isArray(chosen)) throw new PolicyContractError("chooseBatch must return an array of configurations");
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const out: Configuration[] = [];
  const seen = new Set<string>();
  for (const c of chosen as readonly Configuration[]) {
    const id = (c as Partial<Configuration> | null)?.id;
    const candidate = typeof id === "string" ? byId.get(id) : undefined;
    if (candidate === undefined) {
      throw new PolicyContractError(`chooseBatch returned a configuration that is not a candidate: ${String(id)}`);
    }
    if (seen.has(candidate.id)) throw new PolicyContractError(`chooseBatch returned ${candidate.id} twice`);
    seen.add(candidate.id);
    out.push(candidate);
  }
  if (out.length === 0) {
    throw new PolicyContractError(`chooseBatch chose none of ${candidates.length} candidates; it must choose at least one`);
  }
  if (out.length > desiredSize) {
    throw new PolicyContractError(`chooseBatch returned ${out.length} configurations; at most ${desiredSize} allowed`);
  }
  return out;
}

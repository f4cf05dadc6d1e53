/**
 * The default scheduler: enumeration (Cartesian) order, as upstream (reference §5), with two fixes: configurations
 * already DONE in memory are reported as skips instead of vanishing (defect 5), and dominance by a known
 * overload — including overloads stored by earlier runs (defect 6) — is applied here, with the reason recorded.
 */
import type { Configuration } from "../model.ts";
import type {
  ConfigOutcome,
  ConfigScheduler,
  KnownVerdict,
  ProposeBatchRequest,
  SchedulerProposal,
  SkipDecision,
} from "./contracts.ts";
import { OverloadIndex } from "./dominance.ts";

/** Options of {@link CartesianScheduler}. */
export interface CartesianSchedulerOptions {
  /** The campaign's configurations in enumeration order; consumed lazily, once. */
  readonly configurations: Iterable<Configuration>;
  /** Verdicts stored by earlier runs: their overloads seed the dominance index. */
  readonly known?: Iterable<KnownVerdict>;
  /** Skip configurations dominated by a known overload (§4.7). Default true. */
  readonly pruneDominated?: boolean;
}

/** Cartesian order, seen ones skipped with `already_in_memory`, dominated ones with `dominated_by_overload`. */
export class CartesianScheduler implements ConfigScheduler {
  readonly name = "cartesian";
  private readonly source: Iterator<Configuration>;
  private readonly overloads = new OverloadIndex();
  private readonly pruneDominated: boolean;
  /** Read from the source, not yet accepted nor skipped, in order. */
  private pending: Configuration[] = [];
  private readonly started = new Set<string>();
  private readonly reported = new Set<string>();
  private sourceDone = false;

  constructor(options: CartesianSchedulerOptions) {
    this.source = options.configurations[Symbol.iterator]();
    this.pruneDominated = options.pruneDominated ?? true;
    for (const v of options.known ?? []) if (v.overloaded) this.overloads.add(v.config);
  }

  get inFlight(): number {
    return this.started.size;
  }

  proposeBatch({ ctx, desiredSize }: ProposeBatchRequest): SchedulerProposal {
    assertSize(desiredSize);
    const skipped: SkipDecision[] = [];
    // Verdicts may have arrived since the last proposal: pending candidates can have become skippable.
    this.pending = this.pending.filter((c) => !this.skip(c, ctx.isSeen(c.id), skipped));
    while (this.pending.length < desiredSize && !this.sourceDone) {
      const next = this.source.next();
      if (next.done) {
        this.sourceDone = true;
        break;
      }
      const c = next.value;
      // A configuration listed twice by the generator runs once.
      if (this.reported.has(c.id) || this.started.has(c.id) || this.pending.some((p) => p.id === c.id)) continue;
      if (!this.skip(c, ctx.isSeen(c.id), skipped)) this.pending.push(c);
    }
    return {
      candidates: this.pending.slice(0, desiredSize),
      skipped,
      done: this.sourceDone && this.pending.length === 0 && this.started.size === 0,
    };
  }

  accept(selected: readonly Configuration[]): void {
    const ids = new Set(selected.map((c) => c.id));
    for (const c of selected) {
      if (!this.pending.some((p) => p.id === c.id)) throw new Error(`cartesian: ${c.id} was not a pending candidate`);
    }
    this.pending = this.pending.filter((p) => !ids.has(p.id));
    for (const id of ids) this.started.add(id);
  }

  observe(outcome: ConfigOutcome): void {
    this.started.delete(outcome.config.id);
    this.reported.add(outcome.config.id);
    if (outcome.status === "done" && outcome.overloaded) this.overloads.add(outcome.config);
  }

  /** Records a skip when one applies; returns whether the configuration was skipped. */
  private skip(c: Configuration, seen: boolean, out: SkipDecision[]): boolean {
    if (seen) {
      this.reported.add(c.id);
      out.push({ config: c, reason: "already_in_memory" });
      return true;
    }
    const dominator = this.pruneDominated ? this.overloads.dominator(c) : undefined;
    if (dominator) {
      this.reported.add(c.id);
      out.push({ config: c, reason: "dominated_by_overload", because: dominator });
      return true;
    }
    return false;
  }
}

/** Throws unless `n` is an integer ≥ 1. */
export function assertSize(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`desiredSize must be an integer >= 1, got ${n}`);
}

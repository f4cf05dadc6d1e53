/**
 * The `frontier` scheduler: per function set, find the capacity frontier — the highest rate vectors that do not
 * overload — while executing as few configurations as possible. Relies on monotonicity (more load never
 * un-overloads): a known overload settles every configuration ≥ it, a known success every configuration ≤ it.
 * Every configuration ends classified (measured, remembered, or inferred and recorded as a skip), so it yields
 * the same frontier as the exhaustive sweep with dominance pruning.
 */
import { functionSetKey, type Configuration } from "../model.ts";
import type { SkipReason } from "../memory/contracts.ts";
import type {
  ConfigOutcome,
  ConfigScheduler,
  KnownVerdict,
  ProposeBatchRequest,
  SchedulerProposal,
  SkipDecision,
} from "./contracts.ts";
import { assertSize } from "./cartesian.ts";
import { searchGrid, type Answer, type SearchStrategy, type StrategyName } from "./frontier-search.ts";
import { CellOrigin, CellState, RateGrid } from "./grid.ts";

/** Options of {@link FrontierScheduler}. */
export interface FrontierSchedulerOptions {
  /** The campaign's configurations (any order); grouped by function set, sets kept in first-seen order. */
  readonly configurations: Iterable<Configuration>;
  /** Verdicts stored by earlier runs (defect 6): applied before the search starts. */
  readonly known?: Iterable<KnownVerdict>;
  /** `greedy` forces the generic search everywhere (for comparison); default `auto`. */
  readonly strategy?: StrategyName;
  /**
   * Also infer across function sets, a missing function counting as rate 0: `{a: 50}` overloaded settles
   * `{a: 50, b: 30}` as overloaded; `{a: 50, b: 0}` non-overloaded settles `{a: 40}`. Sound under the same
   * monotonicity the search relies on (a rate-0 function gets no k6 scenario, so `{a: 50, b: 0}` is the load of
   * `{a: 50}`; more functions only add load). It goes beyond §4.7 dominance (same function set only) and saves
   * most of the search of each larger set. Default true; false keeps every inference inside a function set.
   */
  readonly crossSetInference?: boolean;
}

/** The frontier of one function set. */
export interface SetFrontier {
  readonly functionSet: string;
  /** Maximal non-overloaded configurations: the capacity frontier. */
  readonly maximalOk: readonly Configuration[];
  /** Minimal overloaded configurations: the other side of the boundary. */
  readonly minimalOverloaded: readonly Configuration[];
  /** Configurations still unclassified (they failed in this run). */
  readonly unresolved: readonly Configuration[];
}

class SetSearch {
  readonly grid: RateGrid;
  private readonly search: SearchStrategy;
  private started = false;
  private cell: number | undefined;
  accepted = false;

  constructor(grid: RateGrid, strategy: StrategyName) {
    this.grid = grid;
    this.search = searchGrid(grid, strategy);
  }

  /**
   * The cell the search waits on, or undefined once the search is over. Started on first use, not at
   * construction: a set's first question is then chosen with everything known by the time it is asked (e.g. the
   * single-function results a pair's search starts from), which is also what a resumed run knows.
   */
  get current(): number | undefined {
    if (!this.started) {
      this.started = true;
      this.cell = this.step(undefined, true);
    }
    return this.cell;
  }

  /** Resumes the search with the answer for the current cell. */
  answer(a: Answer): void {
    this.accepted = false;
    this.cell = this.step(a, false);
  }

  private step(a: Answer, first: boolean): number | undefined {
    const r = first ? this.search.next() : this.search.next(a);
    return r.done ? undefined : r.value;
  }
}

/** Frontier search over every function set of the campaign, one in-flight configuration per set. */
export class FrontierScheduler implements ConfigScheduler {
  readonly name = "frontier";
  private readonly sets: SetSearch[] = [];
  private readonly grids: readonly RateGrid[];
  private readonly crossSet: boolean;
  private readonly setOf = new Map<string, SetSearch>();
  private pendingSkips: SkipDecision[] = [];
  private readonly reported = new Set<string>();
  private inFlightCount = 0;

  constructor(options: FrontierSchedulerOptions) {
    this.crossSet = options.crossSetInference ?? true;
    const groups = new Map<string, Configuration[]>();
    const ids = new Set<string>();
    for (const c of options.configurations) {
      if (ids.has(c.id)) continue;
      ids.add(c.id);
      const key = functionSetKey(c);
      const list = groups.get(key);
      if (list) list.push(c);
      else groups.set(key, [c]);
    }
    const grids: RateGrid[] = [];
    const gridOf = new Map<string, RateGrid>();
    for (const [key, list] of groups) {
      const grid = new RateGrid(list);
      grids.push(grid);
      gridOf.set(key, grid);
    }
    this.grids = grids;
    // Apply every remembered verdict first, then report: a cell inferred from one verdict and remembered by
    // another is reported once, as remembered.
    const inferred: SkipDecision[] = [];
    for (const v of options.known ?? []) {
      const grid = gridOf.get(functionSetKey(v.config));
      const cell = grid?.indexOf(v.config.id);
      if (grid === undefined || cell === undefined) continue; // a verdict of a configuration not in this campaign
      inferred.push(...this.apply(grid, cell, v.overloaded, CellOrigin.memory));
    }
    for (const grid of grids) {
      for (let i = 0; i < grid.total; i++) {
        if (grid.originOf(i) === CellOrigin.memory) this.report({ config: grid.cells[i]!, reason: "already_in_memory" });
      }
    }
    for (const skip of inferred) this.report(skip);
    for (const grid of grids) {
      const set = new SetSearch(grid, options.strategy ?? "auto");
      this.sets.push(set);
      for (const c of grid.cells) if (c) this.setOf.set(c.id, set);
    }
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  proposeBatch({ ctx, desiredSize }: ProposeBatchRequest): SchedulerProposal {
    assertSize(desiredSize);
    const candidates: Configuration[] = [];
    for (const set of this.sets) {
      if (candidates.length >= desiredSize) break;
      while (!set.accepted && set.current !== undefined) {
        const cell = set.current;
        const state = set.grid.stateOf(cell);
        if (!set.grid.isOpen(cell)) {
          // Settled since the search asked for it (another set's verdict, or it failed): answer from what is known.
          set.answer(state === CellState.ok ? "ok" : state === CellState.over ? "over" : undefined);
          continue;
        }
        const config = set.grid.cells[cell]!;
        if (!ctx.isSeen(config.id)) {
          candidates.push(config);
          break;
        }
        // DONE in memory but its verdict was not passed in `known`: nothing can be inferred from it here.
        this.report({ config, reason: "already_in_memory" });
        set.grid.markFailed(cell);
        set.answer(undefined);
      }
    }
    const skipped = this.pendingSkips;
    this.pendingSkips = [];
    const done = this.inFlightCount === 0 && this.sets.every((s) => s.current === undefined);
    return { candidates, skipped, done };
  }

  accept(selected: readonly Configuration[]): void {
    for (const c of selected) {
      const set = this.setOf.get(c.id);
      if (set === undefined || set.accepted || set.current === undefined || set.grid.cells[set.current]?.id !== c.id) {
        throw new Error(`frontier: ${c.id} is not a current candidate`);
      }
    }
    for (const c of selected) {
      this.setOf.get(c.id)!.accepted = true;
      this.inFlightCount++;
    }
  }

  observe(outcome: ConfigOutcome): void {
    const set = this.setOf.get(outcome.config.id);
    const cell = set?.grid.indexOf(outcome.config.id);
    if (set === undefined || cell === undefined || !set.accepted || set.current !== cell) {
      throw new Error(`frontier: outcome for ${outcome.config.id}, which is not in flight`);
    }
    this.inFlightCount--;
    this.reported.add(outcome.config.id);
    if (outcome.status === "done") {
      for (const skip of this.apply(set.grid, cell, outcome.overloaded, CellOrigin.measured)) this.report(skip);
      set.answer(outcome.overloaded ? "over" : "ok");
    } else {
      set.grid.markFailed(cell);
      set.answer(undefined);
    }
  }

  /** The current frontier of every function set. */
  frontiers(): SetFrontier[] {
    return this.sets.map(({ grid }) => {
      const { maximalOk, minimalOver } = grid.frontier();
      const unresolved: Configuration[] = [];
      for (let i = 0; i < grid.total; i++) {
        if (grid.stateOf(i) === CellState.unknown) unresolved.push(grid.cells[i]!);
      }
      return { functionSet: grid.functionSet, maximalOk, minimalOverloaded: minimalOver, unresolved };
    });
  }

  /** Overload classification of every classified configuration (measured, remembered or inferred). */
  classification(): Map<string, boolean> {
    const out = new Map<string, boolean>();
    for (const { grid } of this.sets) {
      for (let i = 0; i < grid.total; i++) {
        const s = grid.stateOf(i);
        if (s === CellState.ok || s === CellState.over) out.set(grid.cells[i]!.id, s === CellState.over);
      }
    }
    return out;
  }

  /**
   * Records a verdict and everything it settles (in its grid, and in the other grids with cross-set inference);
   * returns the skip decisions for the settled cells. Cells being executed right now are left alone.
   */
  private apply(grid: RateGrid, cell: number, overloaded: boolean, origin: CellOrigin): SkipDecision[] {
    const because = grid.cells[cell]!;
    const reason: SkipReason = overloaded ? "dominated_by_overload" : "below_known_success";
    const busy = (g: RateGrid): number | undefined => {
      const set = this.sets.find((s) => s.grid === g);
      return set?.accepted ? set.current : undefined;
    };
    const skips: SkipDecision[] = grid
      .record(cell, overloaded, origin, busy(grid))
      .map((inf) => ({ config: grid.cells[inf.cell]!, reason, because }));
    if (!this.crossSet) return skips;
    for (const other of this.grids) {
      if (other === grid) continue;
      const box = other.boxSettledBy(because, overloaded);
      if (box === undefined) continue;
      for (const j of other.inferBox(box.lo, box.hi, overloaded, busy(other))) {
        skips.push({ config: other.cells[j]!, reason, because });
      }
    }
    return skips;
  }

  private report(skip: SkipDecision): void {
    if (this.reported.has(skip.config.id)) return;
    this.reported.add(skip.config.id);
    this.pendingSkips.push(skip);
  }
}

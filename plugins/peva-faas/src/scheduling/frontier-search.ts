/**
 * Search strategies for the capacity frontier of one function set, as generators: each yields the cell it
 * needs measured and receives the answer; the driver records answers in the {@link RateGrid} (which propagates
 * them by monotonicity) before resuming. Cells already known are never yielded, so a strategy resumes cleanly
 * over verdicts loaded from memory. Pure logic.
 *
 * - one function: bisection over its sorted rates;
 * - two functions: the greedy split, weighted by a prior that the boundary runs near the straight line between
 *   where it meets the two axes (known from the single-function sets);
 * - any leftover open cell (three or more functions, holes, failures, non-monotone data from memory): the
 *   greedy split of {@link RateGrid.bestSplit}, until every cell is classified.
 */
import { CellState, type RateGrid } from "./grid.ts";

/** A measurement answer: `undefined` when the cell could not be measured (failed, stopped, unknown). */
export type Answer = "ok" | "over" | undefined;

/** A strategy: yields cell indices to measure. */
export type SearchStrategy = Generator<number, void, Answer>;

/** Which strategy to run: `auto` picks by the number of functions; `greedy` forces the generic one. */
export type StrategyName = "auto" | "greedy";

/** The full search for one grid: a specialised walk when it applies, then greedy until nothing is open. */
export function* searchGrid(grid: RateGrid, strategy: StrategyName = "auto"): SearchStrategy {
  if (strategy === "auto" && grid.dense) {
    if (grid.dims === 1) yield* bisection(grid);
    else if (grid.dims === 2) yield* guidedSplit(grid);
  }
  yield* greedy(grid);
}

/** What is known about a cell, measuring it first when it is open. */
function* probe(grid: RateGrid, cell: number): Generator<number, Answer, Answer> {
  const s = grid.stateOf(cell);
  if (s === CellState.ok) return "ok";
  if (s === CellState.over) return "over";
  if (!grid.isOpen(cell)) return undefined;
  const answer = yield cell;
  return answer;
}

/** Greedy worst-case split until no open cell is left (correct for any grid and any prior knowledge). */
export function* greedy(grid: RateGrid): SearchStrategy {
  for (;;) {
    const cell = grid.bestSplit();
    if (cell < 0) return;
    yield cell;
  }
}

/** Bisection on a one-function grid: the open interval lies between the highest success and the lowest overload. */
export function* bisection(grid: RateGrid): SearchStrategy {
  let lo = -1;
  let hi = grid.total;
  for (let i = 0; i < grid.total; i++) {
    if (grid.stateOf(i) === CellState.ok) lo = i;
    else if (grid.stateOf(i) === CellState.over && hi === grid.total) hi = i;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const a = yield* probe(grid, mid);
    // An unmeasurable cell stops the walk; the greedy phase covers the rest.
    if (a === undefined) return;
    if (a === "ok") lo = mid;
    else hi = mid;
  }
}

/** Steepness of the prior in {@link guidedSplit}: P(ok) = 1 / (1 + e^(−k·margin)). */
const PRIOR_STEEPNESS = 5;

/**
 * Two-function search: the worst-case split of {@link RateGrid.bestSplit}, with each cell's score discounted by
 * how predictable its answer is. The prediction is linear interference: the boundary runs near the line between
 * where it crosses the row axis and the column axis (the last ok cell + ½ on each; known once the two
 * single-function sets are measured, since a rate-0 function adds no load). A cell far inside (or outside) that
 * line will very likely answer ok (over) and teach little, so its score is scaled down to as little as half.
 * The prior only orders the questions; every answer is still applied by monotonicity alone, so a surface that is
 * not linear costs more queries, never a wrong frontier.
 *
 * Measured on the reference grid (`bench/frontier.bench.ts`): every scenario at ≤ 25 % of the exhaustive sweep,
 * where the staircase walk this replaced needed 26.2 % on mixed capacities and up to 25.5 % on random ones; it
 * pays on rectangular and irregular surfaces (10 % and 7.5 % instead of 5 % and 4 %).
 */
export function* guidedSplit(grid: RateGrid): SearchStrategy {
  const rows = grid.sizes[0]!;
  const cols = grid.sizes[1]!;
  // Where the boundary crosses an axis: after the last ok cell, before the first over one (the whole axis if open).
  const crossing = (n: number, stateAt: (k: number) => CellState): number => {
    let last = -1;
    for (let k = 0; k < n; k++) {
      const s = stateAt(k);
      if (s === CellState.ok) last = k;
      else if (s === CellState.over) return last + 0.5;
    }
    return n;
  };
  for (;;) {
    const rowCrossing = Math.max(0.5, crossing(rows, (r) => grid.stateOf(grid.at([r, 0]))));
    const colCrossing = Math.max(0.5, crossing(cols, (c) => grid.stateOf(grid.at([0, c]))));
    const cell = grid.bestSplit((i) => {
      const r = Math.floor(i / grid.strides[0]!) % rows;
      const c = i % cols;
      const pOk = 1 / (1 + Math.exp(-PRIOR_STEEPNESS * (1 - r / rowCrossing - c / colCrossing)));
      return 0.5 + Math.min(pOk, 1 - pOk);
    });
    if (cell < 0) return;
    yield cell;
  }
}

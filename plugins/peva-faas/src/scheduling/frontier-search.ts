/**
 * Search strategies for the capacity frontier of one function set, as generators: each yields the cell it
 * needs measured and receives the answer; the driver records answers in the {@link RateGrid} (which propagates
 * them by monotonicity) before resuming. Cells already known are never yielded, so a strategy resumes cleanly
 * over verdicts loaded from memory. Pure logic.
 *
 * - one function: bisection over its sorted rates;
 * - two functions: a staircase walk along the frontier, galloping along both axes (queries stay near the
 *   boundary: roughly 2 per step of the staircase instead of one per cell under it);
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
    else if (grid.dims === 2) yield* staircase(grid);
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

/**
 * Staircase walk on a two-function grid with axes a (rows) and b (columns). T(a) = highest ok column in row a
 * is non-increasing in a. Per step: gallop down row a from the bound to find T(a), then gallop along column T(a)
 * to find the last row sharing it; the next row's bound is T(a) − 1.
 */
export function* staircase(grid: RateGrid): SearchStrategy {
  const rows = grid.sizes[0]!;
  const cols = grid.sizes[1]!;
  const cell = (a: number, b: number): number => grid.at([a, b]);
  let a = 0;
  let bound = cols - 1;
  while (a < rows && bound >= 0) {
    // 1. T(a) in [-1, bound]. First row: nothing known, plain bisection. Later rows: T(a) is usually at or just
    //    below T(a−1), so gallop downwards from the bound (offsets 0, 1, 3, 7, …), then bisect.
    let ok = -1;
    let over = bound + 1;
    if (a > 0) {
      let step = 1;
      let b = bound;
      for (;;) {
        const ans = yield* probe(grid, cell(a, b));
        if (ans === undefined) return;
        if (ans === "ok") {
          ok = b;
          break;
        }
        over = b;
        if (b === 0) break;
        b = Math.max(0, bound - (2 * step - 1));
        step *= 2;
      }
    }
    while (over - ok > 1) {
      const mid = (ok + over) >> 1;
      const ans = yield* probe(grid, cell(a, mid));
      if (ans === undefined) return;
      if (ans === "ok") ok = mid;
      else over = mid;
    }
    const t = ok;
    if (t < 0) return; // row a overloads at its lowest rate: every later row does too (already inferred).
    // 2. Last row r ≥ a with (r, t) ok: gallop (a+1, a+2, a+4, …), then bisect.
    let lastOk = a;
    let firstOver = rows;
    let d = 1;
    while (lastOk + 1 < firstOver) {
      const r = Math.min(a + d, firstOver - 1);
      const ans = yield* probe(grid, cell(r, t));
      if (ans === undefined) return;
      if (ans === "ok") lastOk = r;
      else {
        firstOver = r;
        break;
      }
      if (r === rows - 1) break;
      d *= 2;
    }
    while (firstOver - lastOk > 1) {
      const mid = (lastOk + firstOver) >> 1;
      const ans = yield* probe(grid, cell(mid, t));
      if (ans === undefined) return;
      if (ans === "ok") lastOk = mid;
      else firstOver = mid;
    }
    a = lastOk + 1;
    bound = t - 1;
  }
}

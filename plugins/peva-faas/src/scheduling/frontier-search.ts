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
 * is non-increasing in a. Per step: find T(a) (galloping down from the bound T(a−1) − 1, since it is usually
 * close), then find the last row sharing it (galloping along column T(a)); the next row's bound is T(a) − 1.
 * Every search starts from what the grid already knows (earlier answers, memory, other function sets), so
 * known cells cost nothing. Galloping (offsets 1, 2, 4, … then bisection) costs about 2·log2(step length) per
 * staircase step, against one query per cell under the boundary for the exhaustive sweep.
 */
export function* staircase(grid: RateGrid): SearchStrategy {
  const rows = grid.sizes[0]!;
  const cols = grid.sizes[1]!;
  const cell = (a: number, b: number): number => grid.at([a, b]);
  const known = (a: number, b: number): CellState => grid.stateOf(cell(a, b));
  let a = 0;
  let bound = cols - 1;
  while (a < rows && bound >= 0) {
    // 1. T(a) in [-1, bound]: narrow by what row a already knows, then gallop down (not on the first row,
    //    where nothing suggests T is near the bound), then bisect.
    let ok = -1;
    let over = bound + 1;
    for (let b = 0; b <= bound; b++) {
      const s = known(a, b);
      if (s === CellState.ok) ok = b;
      else if (s === CellState.over && over > bound) over = b;
    }
    if (a > 0) {
      const top = over - 1;
      let b = top;
      for (let step = 1; b > ok && b < over; step *= 2) {
        const ans = yield* probe(grid, cell(a, b));
        if (ans === undefined) return; // unmeasurable: the greedy phase takes over
        if (ans === "ok") {
          ok = b;
          break;
        }
        over = b;
        b = Math.max(ok + 1, top - (2 * step - 1));
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
    if (t < 0) return; // row a overloads at its lowest rate: so does every later row (already inferred).
    // 2. Last row r ≥ a with (r, t) ok: narrow by what column t knows, gallop (+1, +2, +4, …), then bisect.
    let lastOk = a;
    let firstOver = rows;
    for (let r = a + 1; r < rows; r++) {
      const s = known(r, t);
      if (s === CellState.ok) lastOk = r;
      else if (s === CellState.over) {
        firstOver = r;
        break;
      }
    }
    const base = lastOk;
    for (let d = 1; lastOk + 1 < firstOver; d *= 2) {
      const r = Math.min(base + d, firstOver - 1);
      const ans = yield* probe(grid, cell(r, t));
      if (ans === undefined) return;
      if (ans === "over") {
        firstOver = r;
        break;
      }
      lastOk = r;
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

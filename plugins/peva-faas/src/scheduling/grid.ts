/**
 * The configurations of one function set as a grid: one axis per function (its sorted rates), a cell per
 * configuration. Holds what is known about each cell and applies monotonicity (more load never un-overloads):
 * an overload marks every cell ≥ it overloaded, a success marks every cell ≤ it non-overloaded. Pure logic.
 */
import { functionSetKey, type Configuration } from "../model.ts";

/** What is known about a cell. */
export const CellState = { unknown: 0, ok: 1, over: 2, hole: 3 } as const;
/** A {@link CellState} value. */
export type CellState = (typeof CellState)[keyof typeof CellState];

/** How a cell's state became known. */
export const CellOrigin = { none: 0, measured: 1, memory: 2, inferred: 3 } as const;
/** A {@link CellOrigin} value. */
export type CellOrigin = (typeof CellOrigin)[keyof typeof CellOrigin];

/** A cell whose state was inferred, with the measured cell it was inferred from. */
export interface Inference {
  readonly cell: number;
  readonly from: number;
}

/** Grid of one function set. Cell index: row-major, last function varies fastest (enumeration order). */
export class RateGrid {
  readonly functionSet: string;
  readonly names: readonly string[];
  readonly axes: readonly (readonly number[])[];
  readonly sizes: readonly number[];
  readonly strides: readonly number[];
  readonly total: number;
  readonly dims: number;
  /** `undefined` where the product has no configuration (a hole). */
  readonly cells: readonly (Configuration | undefined)[];
  /** True when every cell of the product exists. */
  readonly dense: boolean;
  private readonly state: Uint8Array;
  private readonly origin: Uint8Array;
  private readonly failedCells: Uint8Array;
  private readonly indexById = new Map<string, number>();

  /** Builds the grid of configurations that all share one function set. */
  constructor(configs: readonly Configuration[]) {
    if (configs.length === 0) throw new RangeError("a grid needs at least one configuration");
    const first = configs[0]!;
    this.functionSet = functionSetKey(first);
    this.names = first.pairs.map((p) => p.name);
    this.dims = this.names.length;
    const rateSets = this.names.map(() => new Set<number>());
    for (const c of configs) {
      if (functionSetKey(c) !== this.functionSet) {
        throw new RangeError(`configuration ${c.id} is not in function set ${this.functionSet}`);
      }
      c.pairs.forEach((p, d) => rateSets[d]!.add(p.rate));
    }
    this.axes = rateSets.map((s) => [...s].sort((a, b) => a - b));
    this.sizes = this.axes.map((a) => a.length);
    const strides = new Array<number>(this.dims).fill(1);
    for (let d = this.dims - 2; d >= 0; d--) strides[d] = strides[d + 1]! * this.sizes[d + 1]!;
    this.strides = strides;
    this.total = this.sizes.reduce((a, b) => a * b, 1);
    const cells = new Array<Configuration | undefined>(this.total).fill(undefined);
    const rank = this.axes.map((a) => new Map(a.map((r, i) => [r, i])));
    for (const c of configs) {
      let index = 0;
      c.pairs.forEach((p, d) => (index += rank[d]!.get(p.rate)! * this.strides[d]!));
      cells[index] = c;
      this.indexById.set(c.id, index);
    }
    this.cells = cells;
    this.state = new Uint8Array(this.total);
    this.origin = new Uint8Array(this.total);
    this.failedCells = new Uint8Array(this.total);
    let holes = 0;
    for (let i = 0; i < this.total; i++) {
      if (cells[i] === undefined) {
        this.state[i] = CellState.hole;
        holes++;
      }
    }
    this.dense = holes === 0;
  }

  /** Cell index of a configuration of this set, or undefined. */
  indexOf(configId: string): number | undefined {
    return this.indexById.get(configId);
  }

  /** Coordinates (rank per axis) of a cell. */
  coords(index: number): number[] {
    const out = new Array<number>(this.dims);
    for (let d = 0; d < this.dims; d++) {
      out[d] = Math.floor(index / this.strides[d]!) % this.sizes[d]!;
    }
    return out;
  }

  /** Cell index from coordinates. */
  at(coords: readonly number[]): number {
    let index = 0;
    for (let d = 0; d < this.dims; d++) index += coords[d]! * this.strides[d]!;
    return index;
  }

  /** What is known about a cell. */
  stateOf(index: number): CellState {
    return this.state[index] as CellState;
  }

  /** How the cell's state became known. */
  originOf(index: number): CellOrigin {
    return this.origin[index] as CellOrigin;
  }

  /** The cell failed in this run: not proposed again, nothing inferred from it. */
  isFailed(index: number): boolean {
    return this.failedCells[index] === 1;
  }

  /** True when the cell can still be queried: unknown, not a hole, not failed. */
  isOpen(index: number): boolean {
    return this.state[index] === CellState.unknown && this.failedCells[index] === 0;
  }

  /** Number of open cells. */
  openCount(): number {
    let n = 0;
    for (let i = 0; i < this.total; i++) if (this.isOpen(i)) n++;
    return n;
  }

  /** Marks a cell that could not be measured in this run (it stays unknown; a later run retries it). */
  markFailed(index: number): void {
    this.failedCells[index] = 1;
  }

  /**
   * Records a measured (or remembered) verdict and propagates it inside the grid. Returns the cells newly
   * inferred. A measurement always overwrites an inference: with noisy data the measurement is the better
   * evidence. `busy` (a cell being executed right now) is never inferred.
   */
  record(index: number, overloaded: boolean, origin: CellOrigin, busy?: number): Inference[] {
    if (this.state[index] === CellState.hole) throw new RangeError(`cell ${index} is a hole`);
    this.state[index] = overloaded ? CellState.over : CellState.ok;
    this.origin[index] = origin;
    this.failedCells[index] = 0;
    const c = this.coords(index);
    const lo = overloaded ? c : new Array<number>(this.dims).fill(0);
    const hi = overloaded ? this.sizes.map((s) => s - 1) : c;
    return this.inferBox(lo, hi, overloaded, busy).map((cell) => ({ cell, from: index }));
  }

  /** Marks every unknown cell of the box `[lo, hi]` as inferred ok/over; returns those cells. */
  inferBox(lo: readonly number[], hi: readonly number[], overloaded: boolean, busy?: number): number[] {
    const value = overloaded ? CellState.over : CellState.ok;
    const inferred: number[] = [];
    this.forEachInBox(lo, hi, (j) => {
      if (this.state[j] === CellState.unknown && j !== busy) {
        this.state[j] = value;
        this.origin[j] = CellOrigin.inferred;
        this.failedCells[j] = 0;
        inferred.push(j);
      }
    });
    return inferred;
  }

  /**
   * The box of this grid's cells that a verdict on `config` (usually of another function set) settles under
   * monotonicity over all functions, a missing function counting as rate 0: an overload settles every cell whose
   * rates are ≥ it on its functions (it must have rate 0 on functions this grid lacks); a success settles every
   * cell whose rates are ≤ it, with rate 0 on functions it lacks. `undefined` when no cell is settled.
   */
  boxSettledBy(config: Configuration, overloaded: boolean): { lo: number[]; hi: number[] } | undefined {
    const rateOf = new Map(config.pairs.map((p) => [p.name, p.rate]));
    if (overloaded) {
      for (const p of config.pairs) if (p.rate > 0 && !this.names.includes(p.name)) return undefined;
    }
    const lo = new Array<number>(this.dims).fill(0);
    const hi = this.sizes.map((s) => s - 1);
    for (let d = 0; d < this.dims; d++) {
      const axis = this.axes[d]!;
      const rate = rateOf.get(this.names[d]!);
      if (overloaded) {
        if (rate === undefined) continue;
        const first = axis.findIndex((r) => r >= rate);
        if (first < 0) return undefined;
        lo[d] = first;
      } else {
        const limit = rate ?? 0;
        let last = -1;
        for (let i = 0; i < axis.length && axis[i]! <= limit; i++) last = i;
        if (last < 0) return undefined;
        hi[d] = last;
      }
    }
    return { lo, hi };
  }

  /** Calls `fn` on every cell whose coordinates lie in the box `[lo, hi]` (inclusive). */
  forEachInBox(lo: readonly number[], hi: readonly number[], fn: (index: number) => void): void {
    const cur = [...lo];
    for (;;) {
      fn(this.at(cur));
      let d = this.dims - 1;
      while (d >= 0 && cur[d] === hi[d]) {
        cur[d] = lo[d]!;
        d--;
      }
      if (d < 0) return;
      cur[d]!++;
    }
  }

  /**
   * The open cell whose answer resolves the most cells in the worst case: max of min(#open cells ≥ it,
   * #open cells ≤ it), times `weight(cell)` when given (a search's prior on how informative the cell is). On one
   * axis, unweighted, that is bisection. O(cells × dims) through prefix sums. −1 when none is open.
   */
  bestSplit(weight?: (cell: number) => number): number {
    const down = new Float64Array(this.total);
    for (let i = 0; i < this.total; i++) down[i] = this.isOpen(i) ? 1 : 0;
    const up = Float64Array.from(down);
    for (let d = 0; d < this.dims; d++) {
      const stride = this.strides[d]!;
      const size = this.sizes[d]!;
      for (let i = 0; i < this.total; i++) {
        if (Math.floor(i / stride) % size > 0) down[i]! += down[i - stride]!;
      }
      for (let i = this.total - 1; i >= 0; i--) {
        if (Math.floor(i / stride) % size < size - 1) up[i]! += up[i + stride]!;
      }
    }
    let best = -1;
    let bestScore = 0;
    for (let i = 0; i < this.total; i++) {
      if (!this.isOpen(i)) continue;
      const score = Math.min(up[i]!, down[i]!) * (weight ? weight(i) : 1);
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }

  /**
   * Maximal non-overloaded cells (the capacity frontier) and minimal overloaded cells, from the current states.
   * A cell is maximal when no non-overloaded cell is ≥ it and strictly greater somewhere: checked through an
   * n-dimensional suffix OR, so holes are handled too.
   */
  frontier(): { maximalOk: Configuration[]; minimalOver: Configuration[] } {
    const okAbove = new Uint8Array(this.total);
    const overBelow = new Uint8Array(this.total);
    for (let i = 0; i < this.total; i++) {
      okAbove[i] = this.state[i] === CellState.ok ? 1 : 0;
      overBelow[i] = this.state[i] === CellState.over ? 1 : 0;
    }
    for (let d = 0; d < this.dims; d++) {
      const stride = this.strides[d]!;
      const size = this.sizes[d]!;
      for (let i = this.total - 1; i >= 0; i--) {
        if (Math.floor(i / stride) % size < size - 1) okAbove[i]! |= okAbove[i + stride]!;
      }
      for (let i = 0; i < this.total; i++) {
        if (Math.floor(i / stride) % size > 0) overBelow[i]! |= overBelow[i - stride]!;
      }
    }
    const maximalOk: Configuration[] = [];
    const minimalOver: Configuration[] = [];
    for (let i = 0; i < this.total; i++) {
      const c = this.coords(i);
      if (this.state[i] === CellState.ok) {
        let maximal = true;
        for (let d = 0; d < this.dims && maximal; d++) {
          if (c[d]! < this.sizes[d]! - 1 && okAbove[i + this.strides[d]!]) maximal = false;
        }
        if (maximal) maximalOk.push(this.cells[i]!);
      } else if (this.state[i] === CellState.over) {
        let minimal = true;
        for (let d = 0; d < this.dims && minimal; d++) {
          if (c[d]! > 0 && overBelow[i - this.strides[d]!]) minimal = false;
        }
        if (minimal) minimalOver.push(this.cells[i]!);
      }
    }
    return { maximalOk, minimalOver };
  }
}

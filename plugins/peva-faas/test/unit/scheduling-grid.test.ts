import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeConfiguration, type Configuration } from "../../src/model.ts";
import { CellOrigin, CellState, RateGrid, frontierOf, syntheticConfigurations } from "../../src/scheduling/index.ts";

const cfg = (pairs: Record<string, number>): Configuration =>
  makeConfiguration(Object.entries(pairs).map(([name, rate]) => ({ name, rate })));

describe("RateGrid", () => {
  const grid = (): RateGrid => new RateGrid([...syntheticConfigurations(["a", "b"], [0, 10, 20], [2])]);

  it("indexes cells row-major with the last function fastest (enumeration order)", () => {
    const g = grid();
    expect(g.names).toEqual(["a", "b"]);
    expect(g.sizes).toEqual([3, 3]);
    expect(g.indexOf(cfg({ a: 10, b: 20 }).id)).toBe(5);
    expect(g.coords(5)).toEqual([1, 2]);
    expect(g.at([1, 2])).toBe(5);
    expect(g.dense).toBe(true);
  });

  it("an overload settles every cell ≥ it, a success every cell ≤ it", () => {
    const g = grid();
    const over = g.record(g.at([1, 1]), true, CellOrigin.measured);
    expect(over.map((i) => i.cell).sort()).toEqual([g.at([1, 2]), g.at([2, 1]), g.at([2, 2])].sort());
    const ok = g.record(g.at([0, 2]), false, CellOrigin.measured);
    expect(ok.map((i) => i.cell).sort()).toEqual([g.at([0, 0]), g.at([0, 1])].sort());
    expect(g.stateOf(g.at([0, 1]))).toBe(CellState.ok);
    expect(g.originOf(g.at([0, 1]))).toBe(CellOrigin.inferred);
    expect(g.openCount()).toBe(2); // (a:10, b:0) and (a:20, b:0)
  });

  it("a measurement overrides an inference; inference never overrides a measurement", () => {
    const g = grid();
    g.record(g.at([1, 1]), true, CellOrigin.measured);
    g.record(g.at([2, 2]), false, CellOrigin.memory); // noisy data: kept as measured
    expect(g.stateOf(g.at([2, 2]))).toBe(CellState.ok);
    expect(g.stateOf(g.at([1, 1]))).toBe(CellState.over);
  });

  it("bestSplit on one axis is the middle (bisection)", () => {
    const g = new RateGrid([...syntheticConfigurations(["a"], [0, 10, 20, 30, 40, 50, 60], [1])]);
    expect(g.bestSplit()).toBe(3);
    g.record(3, false, CellOrigin.measured);
    expect(g.bestSplit()).toBe(5);
  });

  it("handles holes: a set whose configurations are not a full product", () => {
    const g = new RateGrid([cfg({ a: 0, b: 0 }), cfg({ a: 10, b: 10 }), cfg({ a: 0, b: 10 })]);
    expect(g.dense).toBe(false);
    expect(g.openCount()).toBe(3);
    g.record(g.indexOf(cfg({ a: 10, b: 10 }).id)!, false, CellOrigin.measured);
    expect(g.openCount()).toBe(0);
  });

  it("maps a verdict of another function set to the cells it settles (missing function = rate 0)", () => {
    const g = grid();
    expect(g.boxSettledBy(cfg({ a: 10 }), true)).toEqual({ lo: [1, 0], hi: [2, 2] });
    expect(g.boxSettledBy(cfg({ a: 10 }), false)).toEqual({ lo: [0, 0], hi: [1, 0] });
    expect(g.boxSettledBy(cfg({ a: 10, c: 5 }), true)).toBeUndefined(); // c is not loaded here
    expect(g.boxSettledBy(cfg({ a: 10, c: 0 }), true)).toEqual({ lo: [1, 0], hi: [2, 2] });
    expect(g.boxSettledBy(cfg({ a: 15, c: 99 }), false)).toEqual({ lo: [0, 0], hi: [1, 0] });
    expect(g.boxSettledBy(cfg({ a: 25 }), true)).toBeUndefined();
  });

  it("frontier() agrees with the reference computation on random states", () => {
    const configs = [...syntheticConfigurations(["a", "b", "c"], [0, 1, 2, 3], [3])];
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: configs.length, maxLength: configs.length }), (overs) => {
        const g = new RateGrid(configs);
        const truth = new Map<string, boolean>();
        configs.forEach((c, i) => {
          g.record(g.indexOf(c.id)!, overs[i]!, CellOrigin.measured);
          truth.set(c.id, overs[i]!);
        });
        const { maximalOk } = g.frontier();
        expect(maximalOk.map((c) => c.id).sort()).toEqual(frontierOf(configs, truth).get("a|b|c") ?? []);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses configurations of another function set", () => {
    expect(() => new RateGrid([cfg({ a: 1 }), cfg({ b: 1 })])).toThrow(/not in function set a/);
    expect(() => new RateGrid([])).toThrow(/at least one/);
  });
});

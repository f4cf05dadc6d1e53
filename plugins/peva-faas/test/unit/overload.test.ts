import { describe, expect, it } from "vitest";
import {
  idleBaselineProblems,
  DEFAULT_OVERLOAD_THRESHOLDS as T,
  averageSuccess,
  functionOverload,
  nodeOverload,
  type FunctionObservation,
} from "../../src/overload/index.ts";

const f = (name: string, rate: number, success_rate: number, replicas = 1): FunctionObservation => ({ name, rate, success_rate, replicas });
const NaN_ = Number.NaN;

describe("function overload (reference §10.1)", () => {
  it.each<[string, FunctionObservation, boolean, string[]]>([
    ["healthy", f("a", 10, 0.95, 1), false, []],
    ["success exactly at the threshold is fine", f("a", 10, 0.9, 1), false, []],
    ["success below threshold", f("a", 10, 0.89, 1), true, []],
    ["replicas at threshold", f("a", 10, 1, 15), true, []],
    ["replicas below threshold", f("a", 10, 1, 14), false, []],
    ["NaN success never triggers, but is reported", f("a", 10, NaN_, 1), false, ["a:success_rate"]],
    ["NaN replicas never trigger, but are reported", f("a", 10, 1, NaN_), false, ["a:replicas"]],
  ])("%s", (_label, obs, overloaded, unknown) => {
    const v = functionOverload(obs, T);
    expect(v.overloaded).toBe(overloaded);
    expect(v.unknown).toEqual(unknown);
    expect(v.reasons.length > 0).toBe(overloaded);
  });
});

describe("node overload", () => {
  const base = { cpu_usage_node_pct: 10, ram_usage_node_pct: 10 };
  it.each<[string, Parameters<typeof nodeOverload>[0], boolean]>([
    ["all fine", { ...base, functions: [f("a", 10, 1), f("b", 10, 0.96)] }, false],
    ["avg success below node min (0.94 avg)", { ...base, functions: [f("a", 10, 0.98), f("b", 10, 0.9)] }, true],
    ["cpu above % of capacity", { ...base, cpu_usage_node_pct: 80.1, functions: [f("a", 10, 1)] }, true],
    ["cpu exactly at threshold", { ...base, cpu_usage_node_pct: 80, functions: [f("a", 10, 1)] }, false],
    ["ram above threshold", { ...base, ram_usage_node_pct: 91, functions: [f("a", 10, 1)] }, true],
    ["one function overloaded", { ...base, functions: [f("a", 10, 1, 20), f("b", 10, 1)] }, true],
    ["NaN cpu and ram do not trigger", { cpu_usage_node_pct: NaN_, ram_usage_node_pct: NaN_, functions: [f("a", 10, 1)] }, false],
    // Both upstreams count an idle function as success 1 in the node mean: (0.92 + 1 + 1) / 3 = 0.973 >= 0.95.
    ["rate-0 functions count as success 1 in the node mean", { ...base, functions: [f("a", 10, 0.92), f("idle", 0, 1), f("idle2", 0, 1)] }, false],
    ["the function rule still catches a failing loaded function beside idle ones", { ...base, functions: [f("a", 10, 0.85), f("idle", 0, 1)] }, true],
    ["no loaded function: avg success is 1", { ...base, functions: [f("idle", 0, 1)] }, false],
  ])("%s", (_label, obs, overloaded) => {
    expect(nodeOverload(obs, T).overloaded).toBe(overloaded);
  });
  it("a 2-core node at 150 (raw 100 × cores) is 75 % of capacity: not overloaded (defect 1)", () => {
    const v = nodeOverload({ cpu_usage_node_pct: 150 / 2, ram_usage_node_pct: 10, functions: [f("a", 10, 1)] }, T);
    expect(v.overloaded).toBe(false);
  });
  it("reports reasons and unknowns", () => {
    const v = nodeOverload({ cpu_usage_node_pct: 95, ram_usage_node_pct: NaN_, functions: [f("a", 10, 0.5, NaN_)] }, T);
    expect(v.reasons).toEqual([
      "node: avg success_rate 0.500 < 0.95",
      "node: cpu 95.000% of capacity > 80",
      "a: success_rate 0.500 < 0.9",
    ]);
    expect(v.unknown).toEqual(["a:replicas", "node:ram_usage_node_pct"]);
    expect(v.functions[0]!.overloaded).toBe(true);
  });
  it("average success ignores unknown (NaN) values and counts idle functions as 1", () => {
    expect(averageSuccess([f("a", 1, 0.5), f("b", 1, NaN_), f("c", 0, 1)])).toBe(0.75);
    // An idle function counts 1 whatever value it carries.
    expect(averageSuccess([f("a", 1, 0.5), f("c", 0, Number.NaN)])).toBe(0.75);
  });
});

describe("idle baseline already past the rules", () => {
  const t = { ...T, cpu_overload_pct_of_capacity: 80, ram_overload_pct: 90 };
  it("names each figure above its rule; nothing at or below it", () => {
    expect(idleBaselineProblems({ cpu_usage_node_pct: 80, ram_usage_node_pct: 90 }, t)).toEqual([]);
    expect(idleBaselineProblems({ cpu_usage_node_pct: 92.34, ram_usage_node_pct: 12 }, t)).toEqual(["node cpu 92.3 % of capacity > cpu_overload_pct_of_capacity 80"]);
    expect(idleBaselineProblems({ cpu_usage_node_pct: 5, ram_usage_node_pct: 95.01 }, t)).toEqual(["node ram 95.0 % > ram_overload_pct 90"]);
    expect(idleBaselineProblems({ cpu_usage_node_pct: 99, ram_usage_node_pct: 99 }, t)).toHaveLength(2);
  });
  it("an unknown figure (NaN) is no reason to stop", () => {
    expect(idleBaselineProblems({ cpu_usage_node_pct: Number.NaN, ram_usage_node_pct: Number.NaN }, t)).toEqual([]);
  });
});

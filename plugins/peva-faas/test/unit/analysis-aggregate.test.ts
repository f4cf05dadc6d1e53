/**
 * Per-configuration aggregates across iterations and the frontier, from a small campaign written by hand: two runs,
 * a configuration that failed in the first and was measured in the second, one stopped mid-way and finished by the
 * next run, skips that imply verdicts, a run that stopped mid-configuration.
 */
import { describe, expect, it } from "vitest";
import { aggregateCampaign, frontierIds, type ConfigSummary } from "../../src/analysis/aggregate.ts";
import type { CampaignData, LongRow } from "../../src/analysis/campaign-data.ts";
import { analysisTables } from "../../src/analysis/tables.ts";
import type { RunEvent } from "../../src/runner/events.ts";

const ev = (run_id: string, e: Record<string, unknown>): RunEvent => ({ run_id, ts: 0, ...e }) as RunEvent;
const started = (run: string, id: string, pairs: [string, number][]) =>
  ev(run, { type: "config_started", config_id: id, pairs: pairs.map(([name, rate]) => ({ name, rate })), index: 1, total: 9 });
const row = (runId: string, configId: string, iteration: number, fn: string, rate: number, metric: string, value: number): LongRow => ({
  runId, repetition: 1, iteration, configId, functionName: fn, rate, metric, value, unit: "",
});

/** Rows of one iteration of a one-function configuration: latency (ns), success rate and node CPU. */
const iterationRows = (run: string, id: string, it: number, fn: string, rate: number, latencyMs: number, success: number, cpu: number) => [
  row(run, id, it, fn, rate, "latency_mean", latencyMs * 1e6),
  row(run, id, it, fn, rate, "success_rate", success),
  row(run, id, it, "", Number.NaN, "cpu_usage_node_pct_of_capacity", cpu),
];

const data: CampaignData = {
  longRows: [
    ...iterationRows("r1", "a", 1, "figlet", 10, 1, 1, 10),
    ...iterationRows("r1", "a", 2, "figlet", 10, 2, 0.9, 20),
    ...iterationRows("r1", "a", 3, "figlet", 10, 3, 0.8, 30),
    // b's iteration 1 ran in r1 and again in r2 (the later one counts).
    ...iterationRows("r1", "b", 1, "figlet", 20, 100, 0, 99),
    ...iterationRows("r2", "b", 1, "figlet", 20, 50, 0.5, 90),
    ...iterationRows("r2", "b", 2, "figlet", 20, 70, 0.3, 94),
    // h: r1 stopped after iteration 1; r2 ran iterations 2 and 3 only.
    ...iterationRows("r1", "h", 1, "figlet", 5, 10, 1, 5),
    ...iterationRows("r2", "h", 2, "figlet", 5, 20, 1, 5),
    ...iterationRows("r2", "h", 3, "figlet", 5, 30, 1, 5),
  ],
  events: [
    started("r1", "h", [["figlet", 5]]),
    started("r2", "h", [["figlet", 5]]),
    ev("r2", { type: "config_done", config_id: "h", overloaded: false }),
    started("r1", "a", [["figlet", 10]]),
    ev("r1", { type: "config_done", config_id: "a", overloaded: false }),
    started("r1", "b", [["figlet", 20]]),
    ev("r1", { type: "config_failed", config_id: "b", reason: "loadgen", message: "vegeta exited 1" }),
    ev("r1", { type: "config_skipped", config_id: "c", pairs: [{ name: "figlet", rate: 30 }], reason: "dominated_by_overload" }),
    ev("r2", { type: "config_skipped", config_id: "a", pairs: [{ name: "figlet", rate: 10 }], reason: "already_in_memory" }),
    started("r2", "b", [["figlet", 20]]),
    ev("r2", { type: "config_done", config_id: "b", overloaded: true }),
    started("r2", "d", [["figlet", 40]]),
    // Two-function set: (10, 20) and (20, 10) measured fine, (10, 10) below a known success.
    started("r2", "e", [["shasum", 20], ["figlet", 10]]),
    ev("r2", { type: "config_done", config_id: "e", overloaded: false }),
    started("r2", "f", [["figlet", 20], ["shasum", 10]]),
    ev("r2", { type: "config_done", config_id: "f", overloaded: false }),
    ev("r2", { type: "config_skipped", config_id: "g", pairs: [{ name: "figlet", rate: 10 }, { name: "shasum", rate: 10 }], reason: "below_known_success" }),
  ],
};

const byId = (list: ConfigSummary[]) => new Map(list.map((s) => [s.configId, s]));

describe("aggregateCampaign", () => {
  const summaries = aggregateCampaign(data);
  const s = byId(summaries);

  it("gives every configuration its campaign-wide status and verdict", () => {
    expect([...s.values()].map((x) => [x.configId, x.status, x.overloaded, x.reason])).toEqual([
      ["h", "measured", false, undefined],
      ["a", "measured", false, undefined],
      ["b", "measured", true, undefined],
      ["c", "skipped", true, "dominated_by_overload"],
      ["d", "unfinished", undefined, undefined],
      ["g", "skipped", false, "below_known_success"],
      ["e", "measured", false, undefined],
      ["f", "measured", false, undefined],
    ]);
    expect(s.get("e")!.functionSet).toBe("figlet|shasum");
    expect(s.get("e")!.pairs).toEqual([{ name: "figlet", rate: 10 }, { name: "shasum", rate: 20 }]);
  });

  it("averages a measured configuration's iterations with a t-interval: latency 1, 2, 3 ms → 2 ± 2.484 ms", () => {
    const a = s.get("a")!;
    expect(a.iterations).toBe(3);
    const lat = a.functions[0]!.figures.latency_mean;
    expect(lat).toMatchObject({ n: 3, mean: 2e6, method: "t" });
    expect(lat.lo).toBeCloseTo(2e6 - 2.48434e6, -2);
    expect(lat.hi).toBeCloseTo(2e6 + 2.48434e6, -2);
    // success 1, 0.9, 0.8: mean 0.9, s = 0.1, half 4.303 · 0.1/√3 = 0.248434
    const ok = a.functions[0]!.figures.success_rate;
    expect(ok.mean).toBeCloseTo(0.9, 12);
    expect(ok.hi - ok.mean).toBeCloseTo(0.248434, 5);
    expect(a.node.cpu_usage_node_pct_of_capacity).toMatchObject({ n: 3, mean: 20 });
  });

  it("counts an iteration measured twice once, as the later run measured it, and keeps the iterations of a stopped run", () => {
    const b = s.get("b")!;
    expect(b.iterations).toBe(2);
    expect(b.functions[0]!.figures.latency_mean.mean).toBe(60e6);
    expect(b.node.cpu_usage_node_pct_of_capacity.mean).toBe(92);
    // 90, 94: s = 2√2, t(1) = 12.706: half = 12.706 · 2√2/√2 = 25.412
    expect(b.node.cpu_usage_node_pct_of_capacity.hi).toBeCloseTo(92 + 25.412, 6);
    expect(s.get("c")!.iterations).toBe(0);
    const h = s.get("h")!;
    expect(h.iterations).toBe(3);
    expect(h.functions[0]!.figures.latency_mean).toMatchObject({ n: 3, mean: 20e6 });
  });

  it("puts on the frontier the configurations not overloaded that nothing not overloaded dominates", () => {
    expect([...frontierIds(summaries)].sort()).toEqual(["a", "e", "f"]);
    expect(frontierIds(summaries).has("h")).toBe(false); // figlet@10 is not overloaded either
  });

  it("writes the tables the Parquet files hold: aggregates of measured configurations, every configuration in the frontier table", () => {
    const [aggregates, frontier, long] = analysisTables(data, summaries);
    const cols = aggregates!.columns.map(([c]) => c);
    const latA = aggregates!.rows.find((r) => r[0] === "a" && r[4] === "latency_mean")!;
    expect(Object.fromEntries(cols.map((c, i) => [c, latA[i]]))).toMatchObject({ function: "figlet", rate: 10, unit: "ns", n: 3, mean: 2e6, ci_method: "t", overloaded: false });
    const nodeB = aggregates!.rows.find((r) => r[0] === "b" && r[4] === "cpu_usage_node_pct_of_capacity")!;
    expect(nodeB[2]).toBeNull();
    // A figure with no values is NULL, not NaN.
    const p99 = aggregates!.rows.find((r) => r[0] === "a" && r[4] === "latency_p99")!;
    expect(p99.slice(6, 10)).toEqual([0, null, null, null]);
    expect(frontier!.rows.map((r) => [r[1], r[3], r[7]])).toEqual([
      ["h", "measured", false],
      ["a", "measured", true], ["b", "measured", false], ["c", "skipped", false], ["d", "unfinished", false],
      ["g", "skipped", false], ["e", "measured", true], ["f", "measured", true],
    ]);
    expect(frontier!.rows.find((r) => r[1] === "e")![2]).toBe('{"figlet":10,"shasum":20}');
    expect(long!.rows).toHaveLength(data.longRows.length);
  });
});

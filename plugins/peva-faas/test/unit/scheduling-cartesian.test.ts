import { describe, expect, it } from "vitest";
import { makeConfiguration, type Configuration } from "../../src/model.ts";
import {
  CartesianScheduler,
  NoOpPolicy,
  OverloadIndex,
  PolicyContractError,
  SchedulerStalledError,
  dominates,
  isBelowOrEqual,
  selectBatch,
  simulateCampaign,
  syntheticConfigurations,
  type ConfigScheduler,
  type PolicyAlgorithm,
} from "../../src/scheduling/index.ts";

const cfg = (pairs: Record<string, number>): Configuration =>
  makeConfiguration(Object.entries(pairs).map(([name, rate]) => ({ name, rate })));
const never = { isSeen: () => false };
const ids = (cs: readonly Configuration[]): string[] => cs.map((c) => c.pairs.map((p) => `${p.name}:${p.rate}`).join("|"));

describe("dominance (§4.7)", () => {
  it("needs the same function set, every rate ≥ and one >", () => {
    expect(dominates(cfg({ a: 10 }), cfg({ a: 20 }))).toBe(true);
    expect(dominates(cfg({ a: 10 }), cfg({ a: 10 }))).toBe(false);
    expect(dominates(cfg({ a: 10, b: 5 }), cfg({ a: 10, b: 6 }))).toBe(true);
    expect(dominates(cfg({ a: 10, b: 5 }), cfg({ a: 20, b: 4 }))).toBe(false);
    expect(dominates(cfg({ a: 10 }), cfg({ a: 20, b: 0 }))).toBe(false);
    expect(dominates(cfg({ a: 10, b: 0 }), cfg({ a: 20, c: 0 }))).toBe(false);
    expect(isBelowOrEqual(cfg({ a: 10, b: 5 }), cfg({ a: 10, b: 5 }))).toBe(true);
    expect(isBelowOrEqual(cfg({ a: 10, b: 6 }), cfg({ a: 10, b: 5 }))).toBe(false);
  });

  it("the overload index keeps minimal overloads and finds a dominator", () => {
    const idx = new OverloadIndex();
    idx.add(cfg({ a: 30, b: 30 }));
    idx.add(cfg({ a: 20, b: 30 }));
    idx.add(cfg({ a: 40, b: 40 }));
    expect(ids(idx.minimalOverloads("a|b"))).toEqual(["a:20|b:30"]);
    expect(idx.dominator(cfg({ a: 20, b: 40 }))?.id).toBe(cfg({ a: 20, b: 30 }).id);
    expect(idx.dominator(cfg({ a: 20, b: 30 }))).toBeUndefined();
    expect(idx.dominator(cfg({ a: 10, b: 90 }))).toBeUndefined();
  });
});

describe("CartesianScheduler", () => {
  const grid = (): Configuration[] => [...syntheticConfigurations(["a", "b"], [0, 10, 20], [1, 2])];

  it("proposes in enumeration order; the NoOp policy keeps that order", async () => {
    const r = await simulateCampaign({ scheduler: new CartesianScheduler({ configurations: grid() }), oracle: () => false });
    expect(ids(r.executed)).toEqual(ids(grid()));
    expect(r.skipped).toEqual([]);
  });

  it("records every configuration already in memory as a skip (defect 5), without running it", async () => {
    const all = grid();
    const seen = new Set([all[1]!.id, all[4]!.id]);
    const r = await simulateCampaign({
      scheduler: new CartesianScheduler({ configurations: all }),
      oracle: () => false,
      seen,
    });
    expect(r.skipped.map((s) => [s.config.id, s.reason])).toEqual([
      [all[1]!.id, "already_in_memory"],
      [all[4]!.id, "already_in_memory"],
    ]);
    expect(r.executed.map((c) => c.id)).toEqual(all.filter((c) => !seen.has(c.id)).map((c) => c.id));
  });

  it("skips configurations dominated by an overload of this run or of an earlier one (defect 6)", async () => {
    const all = grid();
    const oracle = (c: Configuration): boolean => c.pairs.reduce((s, p) => s + p.rate, 0) > 20;
    const r = await simulateCampaign({ scheduler: new CartesianScheduler({ configurations: all }), oracle });
    const dominated = r.skipped.filter((s) => s.reason === "dominated_by_overload");
    expect(ids(dominated.map((s) => s.config))).toEqual(["a:20|b:20"]);
    expect(ids([dominated[0]!.because!])).toEqual(["a:10|b:20"]);
    expect(ids(r.executed)).toContain("a:20|b:10"); // not ≥ a:10|b:20 on every rate: it runs
    // Resume: the stored overload of a:10|b:20 prunes before anything runs.
    const resumed = await simulateCampaign({
      scheduler: new CartesianScheduler({
        configurations: all,
        known: [
          { config: cfg({ a: 10, b: 10 }), overloaded: false },
          { config: cfg({ a: 0, b: 20 }), overloaded: true },
        ],
      }),
      oracle,
    });
    const pruned = resumed.skipped.filter((s) => s.reason === "dominated_by_overload").map((s) => ids([s.config])[0]);
    expect(pruned).toEqual(["a:10|b:20", "a:20|b:20"]);
    expect(ids(resumed.executed)).not.toContain("a:10|b:20");
  });

  it("pruning can be switched off (plain Cartesian sweep)", async () => {
    const r = await simulateCampaign({
      scheduler: new CartesianScheduler({ configurations: grid(), pruneDominated: false }),
      oracle: () => true,
    });
    expect(r.executed).toHaveLength(grid().length);
  });

  it("keeps unchosen candidates for the next proposal and refuses foreign accepts", () => {
    const s = new CartesianScheduler({ configurations: grid() });
    const p1 = s.proposeBatch({ ctx: never, desiredSize: 3 });
    expect(p1.candidates).toHaveLength(3);
    s.accept([p1.candidates[1]!]);
    expect(s.inFlight).toBe(1);
    const p2 = s.proposeBatch({ ctx: never, desiredSize: 3 });
    expect(ids(p2.candidates)).toEqual(ids([p1.candidates[0]!, p1.candidates[2]!, grid()[3]!]));
    expect(() => s.accept([cfg({ z: 1 })])).toThrow(/not a pending candidate/);
    expect(() => s.proposeBatch({ ctx: never, desiredSize: 0 })).toThrow(/desiredSize/);
  });

  it("is done only when the source is exhausted and nothing is in flight", () => {
    const s = new CartesianScheduler({ configurations: [cfg({ a: 1 })] });
    const p = s.proposeBatch({ ctx: never, desiredSize: 5 });
    s.accept(p.candidates);
    expect(s.proposeBatch({ ctx: never, desiredSize: 5 })).toEqual({ candidates: [], skipped: [], done: false });
    s.observe({ config: p.candidates[0]!, status: "done", overloaded: false });
    expect(s.proposeBatch({ ctx: never, desiredSize: 5 }).done).toBe(true);
  });

  it("runs a configuration listed twice only once", async () => {
    const a = cfg({ a: 1 });
    const r = await simulateCampaign({ scheduler: new CartesianScheduler({ configurations: [a, a] }), oracle: () => false });
    expect(r.executed).toHaveLength(1);
  });
});

describe("selectBatch routes selection through the policy (defect 7)", () => {
  const all = (): Configuration[] => [...syntheticConfigurations(["a"], [0, 10, 20, 30, 40], [1])];

  it("the policy sees a pool of candidates and its choice is what runs", async () => {
    const calls: number[] = [];
    const last: PolicyAlgorithm = {
      chooseBatch: ({ candidates, desiredSize }) => {
        calls.push(candidates.length);
        return candidates.slice(-desiredSize);
      },
      updateOnline: () => undefined,
      updateBatch: () => undefined,
    };
    const scheduler = new CartesianScheduler({ configurations: all() });
    const sel = await selectBatch({ scheduler, policy: last, ctx: never, desiredSize: 2, candidatePoolSize: 4 });
    expect(calls).toEqual([4]);
    expect(ids(sel.selected)).toEqual(["a:20", "a:30"]);
    expect(scheduler.inFlight).toBe(2);
  });

  it("the default NoOp policy returns the first desiredSize candidates", async () => {
    const scheduler = new CartesianScheduler({ configurations: all() });
    const sel = await selectBatch({ scheduler, policy: new NoOpPolicy(), ctx: never, desiredSize: 2 });
    expect(ids(sel.selected)).toEqual(["a:0", "a:10"]);
  });

  it.each<[string, PolicyAlgorithm["chooseBatch"], RegExp]>([
    ["a foreign configuration", () => [cfg({ zz: 1 })], /not a candidate/],
    ["a duplicate", ({ candidates }) => [candidates[0]!, candidates[0]!], /twice/],
    ["nothing", () => [], /at least one/],
    ["too many", ({ candidates }) => candidates.slice(0, 3), /at most 1/],
  ])("rejects a policy that returns %s", async (_what, chooseBatch, message) => {
    const policy: PolicyAlgorithm = { chooseBatch, updateOnline: () => undefined, updateBatch: () => undefined };
    const scheduler = new CartesianScheduler({ configurations: all() });
    const p = selectBatch({ scheduler, policy, ctx: never, desiredSize: 1 });
    await expect(p).rejects.toThrow(PolicyContractError);
    await expect(selectBatch({ scheduler, policy, ctx: never, desiredSize: 1 })).rejects.toThrow(message);
    expect(scheduler.inFlight).toBe(0);
  });

  it("detects a scheduler that stalls", async () => {
    const stuck: ConfigScheduler = {
      name: "stuck",
      inFlight: 0,
      proposeBatch: () => ({ candidates: [], skipped: [], done: false }),
      accept: () => undefined,
      observe: () => undefined,
    };
    await expect(selectBatch({ scheduler: stuck, policy: new NoOpPolicy(), ctx: never, desiredSize: 1 })).rejects.toThrow(
      SchedulerStalledError,
    );
  });
});

import { describe, expect, it } from "vitest";
import {
  CooldownTimeoutError,
  DEFAULT_COOLDOWN,
  decideIdle,
  nextCooldownStep,
  runCooldown,
  type CooldownObservation,
} from "../../src/cooldown/index.ts";
import type { NodeMetrics } from "../../src/prometheus/collect.ts";

/** A node of 2 cores and 10 000 bytes of memory. */
const node = (cpu_pct: number, ram = 1000, power = Number.NaN): NodeMetrics => ({
  cpu_usage_node: cpu_pct * 2,
  cpu_usage_node_pct: cpu_pct,
  ram_usage_node: ram,
  ram_usage_node_pct: (100 * ram) / 10_000,
  power_usage_node: power,
});
const obs = (n: NodeMetrics, replicas: Record<string, number> = { a: 1 }): CooldownObservation => ({ node: n, replicas: new Map(Object.entries(replicas)) });
/** The defaults with checks every 5 s (the reference's step), so steps and the cap are told apart in the numbers. */
const S = { ...DEFAULT_COOLDOWN, sleep_step_seconds: 5 };
const off = { scaphandre: false };

describe("defaults", () => {
  it("check every second and reset replicas: idleness is seen at the first check that passes", () => {
    expect(DEFAULT_COOLDOWN).toMatchObject({ sleep_step_seconds: 1, reset_replicas: true, max_wait_seconds: 180 });
  });
});

describe("idle test (reference §9, fixed)", () => {
  it.each<[string, CooldownObservation, NodeMetrics, boolean]>([
    ["within baseline × 1.15", obs(node(11, 1100)), node(10, 1000), true],
    ["cpu above baseline × 1.15 and above the floor", obs(node(12)), node(10), false],
    ["ram above baseline × 1.15", obs(node(1, 1200)), node(1, 1000), false],
    ["baseline ≈ 0: the absolute floor (5 %) makes idleness reachable", obs(node(3)), node(0.01), true],
    ["baseline ≈ 0, above the floor", obs(node(6)), node(0.01), false],
    ["NaN current cpu blocks", obs(node(Number.NaN)), node(10), false],
    ["NaN baseline cpu falls back to the floor", obs(node(4)), node(Number.NaN), true],
    ["NaN baseline ram without a bytes floor is skipped", obs(node(1, 5e3)), node(1, Number.NaN), true],
    ["a small baseline: RAM at or below 10 % of the node is idle", obs(node(1, 1000)), node(1, 300), true],
    ["a small baseline, RAM above 10 % of the node and the baseline", obs(node(1, 1050)), node(1, 300), false],
    ["replicas >= 2 block", obs(node(1), { a: 1, b: 2 }), node(1), false],
    ["unknown replicas block", obs(node(1), { a: Number.NaN }), node(1), false],
    ["power ignored without Scaphandre", obs(node(1, 1000, 9e9)), node(1, 1000, 1), true],
  ])("%s", (_l, o, base, idle) => {
    expect(decideIdle(o, base, S, off).idle).toBe(idle);
  });
  it("a NaN RAM percentage cannot prove idleness by the floor: the bytes check decides", () => {
    const unknownPct = { ...node(1, 1200), ram_usage_node_pct: Number.NaN };
    expect(decideIdle(obs(unknownPct), node(1, 1000), S, off).blockers).toEqual(["ram_usage_node 1200.000 > 1150.000"]);
  });
  it("power checked with Scaphandre, NaN power blocks", () => {
    expect(decideIdle(obs(node(1, 1000, 9e9)), node(1, 1000, 1), S, { scaphandre: true }).blockers).toEqual([
      "power_usage_node 9000000000.000 > 1.150",
    ]);
    expect(decideIdle(obs(node(1, 1000)), node(1, 1000, 1), S, { scaphandre: true }).idle).toBe(false);
  });
});

describe("step decision: capped at max_wait_seconds exactly", () => {
  it.each<[boolean, number, unknown]>([
    [true, 50, { action: "done" }],
    [false, 0, { action: "sleep", seconds: 5 }],
    [false, 178, { action: "sleep", seconds: 2 }],
    [false, 180, { action: "timeout" }],
    [false, 181, { action: "timeout" }],
  ])("idle=%s waited=%d", (idle, waited, step) => expect(nextCooldownStep(idle, waited, S)).toEqual(step));
});

/** A fake clock advanced only by sleep. */
function fakeTime(): { now: () => number; sleep: (s: number) => Promise<void>; slept: number[] } {
  let t = 1000;
  const slept: number[] = [];
  return { now: () => t, sleep: async (s) => void (slept.push(s), (t += s)), slept };
}

describe("cooldown loop", () => {
  it("returns immediately with rest 0 when already idle", async () => {
    const clock = fakeTime();
    const r = await runCooldown(node(10), S, off, { observe: async () => obs(node(10)), ...clock });
    expect(r).toEqual({ status: "idle", snapshot: node(10), restSeconds: 0 });
  });
  it("waits until idle and reports rest_seconds", async () => {
    const clock = fakeTime();
    const seq = [50, 40, 11];
    const r = await runCooldown(node(10), S, off, { observe: async () => obs(node(seq.shift() ?? 11)), ...clock });
    expect(r.restSeconds).toBe(10);
    expect(r.snapshot!.cpu_usage_node_pct).toBe(11);
    expect(clock.slept).toEqual([5, 5]);
  });
  it("never exceeds max_wait_seconds (defect 10: upstream reached 185 s)", async () => {
    const clock = fakeTime();
    const settings = { ...S, max_wait_seconds: 12, sleep_step_seconds: 5 };
    const err = await runCooldown(node(10), settings, off, { observe: async () => obs(node(90)), ...clock }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CooldownTimeoutError);
    expect(clock.slept).toEqual([5, 5, 2]);
    expect((err as CooldownTimeoutError).waitedSeconds).toBe(12);
    expect((err as Error).message).toBe("Cooldown timeout after 12s (max: 12s): cpu_usage_node_pct 90.000 > 11.500");
  });
  it("max_wait 0: one observation, then timeout", async () => {
    const clock = fakeTime();
    await expect(runCooldown(node(10), { ...S, max_wait_seconds: 0 }, off, { observe: async () => obs(node(90)), ...clock })).rejects.toThrow(
      "Cooldown timeout after 0s (max: 0s)",
    );
    expect(clock.slept).toEqual([]);
  });
  it("stops when the stop token is set (defect 4)", async () => {
    const clock = fakeTime();
    let n = 0;
    const r = await runCooldown(node(10), S, off, {
      observe: async () => obs(node(90)),
      shouldStop: () => ++n > 2,
      ...clock,
    });
    expect(r.status).toBe("stopped");
    expect(r.restSeconds).toBe(5);
  });
  it("is bounded even with a clock that does not move", async () => {
    let observations = 0;
    await expect(
      runCooldown(node(10), { ...S, max_wait_seconds: 20 }, off, {
        observe: async () => (observations++, obs(node(90))),
        sleep: async () => {},
        now: () => 0,
      }),
    ).rejects.toThrow(/observation limit reached/);
    expect(observations).toBe(6);
  });
});

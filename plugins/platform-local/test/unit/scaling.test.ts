import { describe, expect, it } from "vitest";
import {
  decideScale,
  INITIAL_SCALING_STATE,
  scalingStep,
  windowRate,
  type ScalingDecision,
  type ScalingObservation,
  type ScalingPolicy,
  type ScalingState,
} from "../../src/scaling.ts";

const policy: ScalingPolicy = {
  minReplicas: 1,
  maxReplicas: 4,
  targetRatePerReplica: 5,
  scaleFactorPercent: 20,
  scaleUpAfterMs: 5_000,
  scaleDownAfterMs: 30_000,
};

describe("scalingStep", () => {
  it.each([
    [4, 20, 1],
    [5, 20, 1],
    [6, 20, 2],
    [10, 20, 2],
    [20, 20, 4],
    [1, 100, 1],
    [10, 1, 1],
  ])("max %i at %i%% steps by %i (ceil, at least 1)", (maxReplicas, scaleFactorPercent, step) => {
    expect(scalingStep({ ...policy, maxReplicas, scaleFactorPercent })).toBe(step);
  });
});

describe("decideScale", () => {
  const obs = (o: Partial<ScalingObservation>): ScalingObservation => ({ nowMs: 100_000, replicas: 1, ratePerSecond: 0, queued: 0, ...o });
  const hot = (since: number): ScalingState => ({ hotSinceMs: since, coolSinceMs: null });
  const cool = (since: number): ScalingState => ({ hotSinceMs: null, coolSinceMs: since });

  const cases: [string, ScalingState, ScalingObservation, ScalingDecision][] = [
    ["idle at min holds and starts the cool timer", INITIAL_SCALING_STATE, obs({}), { replicas: 1, state: cool(100_000), action: "hold" }],
    ["rate at exactly the target is not hot", INITIAL_SCALING_STATE, obs({ ratePerSecond: 5 }), { replicas: 1, state: cool(100_000), action: "hold" }],
    ["first hot tick only arms the timer", INITIAL_SCALING_STATE, obs({ ratePerSecond: 6 }), { replicas: 1, state: hot(100_000), action: "hold" }],
    ["hot for less than scaleUpAfterMs holds", hot(96_000), obs({ ratePerSecond: 6 }), { replicas: 1, state: hot(96_000), action: "hold" }],
    ["hot for scaleUpAfterMs steps up and re-arms", hot(95_000), obs({ ratePerSecond: 6 }), { replicas: 2, state: hot(100_000), action: "scale-up" }],
    ["queued requests make it hot whatever the rate", hot(95_000), obs({ ratePerSecond: 0, queued: 1 }), { replicas: 2, state: hot(100_000), action: "scale-up" }],
    ["rate per replica, not total: 3 replicas at 14 req/s are fine", INITIAL_SCALING_STATE, obs({ replicas: 3, ratePerSecond: 14 }), { replicas: 3, state: INITIAL_SCALING_STATE, action: "hold" }],
    ["3 replicas at 16 req/s are hot", hot(90_000), obs({ replicas: 3, ratePerSecond: 16 }), { replicas: 4, state: hot(100_000), action: "scale-up" }],
    ["never beyond max", hot(0), obs({ replicas: 4, ratePerSecond: 1_000, queued: 50 }), { replicas: 4, state: hot(0), action: "hold" }],
    ["cool for scaleDownAfterMs steps down one step", cool(70_000), obs({ replicas: 4 }), { replicas: 3, state: cool(100_000), action: "scale-down" }],
    ["cool for less holds", cool(80_000), obs({ replicas: 4 }), { replicas: 4, state: cool(80_000), action: "hold" }],
    ["never below min", cool(0), obs({ replicas: 1 }), { replicas: 1, state: cool(0), action: "hold" }],
    [
      "between hot and cool (one replica fewer would be hot) holds and resets both timers",
      cool(0),
      obs({ replicas: 4, ratePerSecond: 18 }),
      { replicas: 4, state: INITIAL_SCALING_STATE, action: "hold" },
    ],
    ["going hot resets the cool timer", cool(0), obs({ replicas: 2, ratePerSecond: 11 }), { replicas: 2, state: hot(100_000), action: "hold" }],
    ["going cool resets the hot timer", hot(99_000), obs({ replicas: 2, ratePerSecond: 1 }), { replicas: 2, state: cool(100_000), action: "hold" }],
    ["a count above max is clamped down", INITIAL_SCALING_STATE, obs({ replicas: 9, ratePerSecond: 18 }), { replicas: 4, state: INITIAL_SCALING_STATE, action: "scale-down" }],
    ["a count below min is clamped up", INITIAL_SCALING_STATE, obs({ replicas: 0 }), { replicas: 1, state: cool(100_000), action: "scale-up" }],
  ];
  it.each(cases)("%s", (_name, state, observation, expected) => {
    expect(decideScale(policy, state, observation)).toEqual(expected);
  });

  it("scaleUpAfterMs 0 steps on the first hot tick; a bigger max steps by 20 %", () => {
    const p = { ...policy, maxReplicas: 10, scaleUpAfterMs: 0 };
    expect(decideScale(p, INITIAL_SCALING_STATE, obs({ replicas: 1, ratePerSecond: 100 }))).toMatchObject({ replicas: 3, action: "scale-up" });
    expect(decideScale(p, INITIAL_SCALING_STATE, obs({ replicas: 9, ratePerSecond: 100 }))).toMatchObject({ replicas: 10, action: "scale-up" });
  });

  it("a load held long enough walks 1 → 4 one step per period, then cools back to 1", () => {
    let state = INITIAL_SCALING_STATE;
    let replicas = 1;
    const trace: number[] = [];
    for (let t = 0; t <= 20_000; t += 1_000) {
      ({ replicas, state } = decideScale(policy, state, { nowMs: t, replicas, ratePerSecond: 100, queued: 10 }));
      trace.push(replicas);
    }
    expect(trace.slice(0, 6)).toEqual([1, 1, 1, 1, 1, 2]);
    expect(trace.at(-1)).toBe(4);
    for (let t = 21_000; t <= 200_000; t += 1_000) ({ replicas, state } = decideScale(policy, state, { nowMs: t, replicas, ratePerSecond: 0, queued: 0 }));
    expect(replicas).toBe(1);
  });
});

describe("windowRate", () => {
  it.each([
    ["no samples", [], 10_000, 0],
    ["one second of 50 over a 10 s window reads 5/s", [{ atMs: 10_000, count: 50 }], 10_000, 5],
    [
      "samples older than the window are ignored",
      [
        { atMs: 0, count: 1_000 },
        { atMs: 5_000, count: 20 },
        { atMs: 10_000, count: 30 },
      ],
      10_000,
      5,
    ],
    ["future samples are ignored", [{ atMs: 11_000, count: 99 }], 10_000, 0],
  ])("%s", (_name, samples, now, expected) => {
    expect(windowRate(samples, now, 10_000)).toBe(expected);
  });
});

import { describe, expect, it } from "vitest";
import { cpuStarvation, judgeContention, MIN_ENTITLED_CORES, rerunsLeft } from "../../src/overload/contention.ts";
import { ContendedError, failureReason } from "../../src/runner/errors.ts";
import { summaryTable } from "../../src/runner/summary.ts";
import { parseWorkloadConfig } from "../../src/config/parse.ts";

const SETTINGS = { max_starvation: 0.25, max_reruns: 2 };

describe("cpuStarvation", () => {
  it("is wait / (wait + run) while the platform's demand fits the node", () => {
    expect(cpuStarvation({ waitCores: 0.5, runCores: 0.5, nodeCores: 2 })).toBeCloseTo(0.5);
    expect(cpuStarvation({ waitCores: 0.1, runCores: 0.9, nodeCores: 2 })).toBeCloseTo(0.1);
    expect(cpuStarvation({ waitCores: 0, runCores: 1.2, nodeCores: 2 })).toBe(0);
  });

  it("does not count a platform that saturates the node by itself as starved", () => {
    // Four busy workers on two cores: each waits half of the time, but the platform has both cores.
    expect(cpuStarvation({ waitCores: 2, runCores: 2, nodeCores: 2 })).toBe(0);
    // The same demand with a neighbour taking one core: half of the node the platform wanted went elsewhere.
    expect(cpuStarvation({ waitCores: 3, runCores: 1, nodeCores: 2 })).toBeCloseTo(0.5);
  });

  it("treats a barely running platform as not starved (tiny figures are noise)", () => {
    expect(cpuStarvation({ waitCores: 0.003, runCores: 0.002, nodeCores: 2 })).toBeCloseTo(0.003 / MIN_ENTITLED_CORES);
    expect(cpuStarvation({ waitCores: 0, runCores: 0, nodeCores: 2 })).toBe(0);
  });

  it("is NaN when a figure is unknown, and clamps rate() artefacts below zero", () => {
    expect(cpuStarvation({ waitCores: Number.NaN, runCores: 1, nodeCores: 2 })).toBeNaN();
    expect(cpuStarvation({ waitCores: 1, runCores: Number.NaN, nodeCores: 2 })).toBeNaN();
    expect(cpuStarvation({ waitCores: 1, runCores: 1, nodeCores: 0 })).toBeNaN();
    expect(cpuStarvation({ waitCores: -0.01, runCores: 1, nodeCores: 2 })).toBe(0);
    expect(cpuStarvation({ waitCores: 0.5, runCores: -0.01, nodeCores: 2 })).toBe(1);
  });
});

describe("judgeContention", () => {
  it("marks an iteration contended only above the threshold", () => {
    const hogged = judgeContention({ waitCores: 0.6, runCores: 0.4, nodeCores: 2 }, SETTINGS);
    expect(hogged.contended).toBe(true);
    expect(hogged.starvation).toBeCloseTo(0.6);
    expect(judgeContention({ waitCores: 0.25, runCores: 0.75, nodeCores: 2 }, SETTINGS).contended).toBe(false); // exactly at it
    expect(judgeContention({ waitCores: 0.1, runCores: 0.9, nodeCores: 2 }, SETTINGS).contended).toBe(false);
  });

  it("never marks an unknown starvation contended, and max_starvation 1 turns the check off", () => {
    expect(judgeContention({ waitCores: Number.NaN, runCores: 1, nodeCores: 2 }, SETTINGS)).toEqual({ starvation: Number.NaN, contended: false });
    expect(judgeContention({ waitCores: 10, runCores: 0, nodeCores: 2 }, { max_starvation: 1 }).contended).toBe(false);
  });

  it("allows max_reruns re-runs, then none", () => {
    expect([0, 1, 2, 3].map((n) => rerunsLeft(n, SETTINGS))).toEqual([true, true, false, false]);
    expect(rerunsLeft(0, { max_reruns: 0 })).toBe(false);
  });
});

describe("contention settings, failure and summary", () => {
  it("defaults to 0.25 and 2 re-runs, and refuses values out of range", () => {
    expect(parseWorkloadConfig({}).config.contention).toEqual({ max_starvation: 0.5, max_reruns: 2 });
    expect(parseWorkloadConfig({ contention: { max_starvation: 0.5, max_reruns: 0 } }).config.contention).toEqual({ max_starvation: 0.5, max_reruns: 0 });
    expect(() => parseWorkloadConfig({ contention: { max_starvation: 1.5 } })).toThrow(/contention\.max_starvation/);
    expect(() => parseWorkloadConfig({ contention: { max_reruns: -1 } })).toThrow(/contention\.max_reruns/);
    expect(() => parseWorkloadConfig({ contention: { max_wait: 1 } })).toThrow(/contention\.max_wait: unknown key/);
  });

  it("a configuration still contended after its re-runs fails with reason contended", () => {
    const e = new ContendedError(2, 2, 0.61, 0.25);
    expect(failureReason(e)).toBe("contended");
    expect(e.message).toContain("iteration 2 stayed contended after 2 re-run(s): CPU starvation 0.610 > 0.25");
  });

  it("the summary counts contended iterations (0 for counts written before they existed)", () => {
    const counts = { planned: 2, executed: 2, skipped: {}, overloaded: 0, failed: 0, iterations: 4 };
    expect(summaryTable({ ...counts, contended: 3 }, [], "done")).toMatch(/contended iterations\s+3/);
    expect(summaryTable(counts, [], "done")).toMatch(/contended iterations\s+0/);
  });
});

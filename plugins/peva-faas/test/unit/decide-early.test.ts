/**
 * The two rules that let a campaign stop before the end without changing a verdict: a configuration settled by its
 * first iterations (`settledConfigVerdict`) and an iteration settled before its window ends (`settledOverload`);
 * their settings and defaults per scheduler; and the summary's wall-time-per-load figure.
 */
import { describe, expect, it } from "vitest";
import { isConfigOverloaded, settledConfigVerdict } from "../../src/plan/dominance.ts";
import { DEFAULT_OVERLOAD_THRESHOLDS as T, nodeOverload, settledOverload, type FunctionSoFar } from "../../src/overload/index.ts";
import { parseWorkloadConfig } from "../../src/config/parse.ts";
import { campaignCost, summaryTable } from "../../src/runner/summary.ts";

/** Every sequence of `k` iteration outcomes (true = overloaded). */
function* outcomes(k: number): Generator<boolean[]> {
  for (let bits = 0; bits < 1 << k; bits++) yield Array.from({ length: k }, (_, i) => ((bits >> i) & 1) === 1);
}

describe("settledConfigVerdict: deciding a configuration before all its iterations ran", () => {
  it("never differs from the verdict over all iterations, for every outcome sequence of 1 to 9 iterations", () => {
    for (let k = 1; k <= 9; k++) {
      for (const seq of outcomes(k)) {
        const full = isConfigOverloaded(seq.filter(Boolean).length, k);
        let decided: boolean | undefined;
        let judged = 0;
        for (; judged <= k && decided === undefined; judged++) decided = settledConfigVerdict(seq.slice(0, judged).filter(Boolean).length, judged, k);
        expect(decided, `K=${k} ${seq.join(",")}`).toBe(full);
      }
    }
  });

  it("decides 3 iterations after two that agree, and needs the third after two that do not", () => {
    expect(settledConfigVerdict(2, 2, 3)).toBe(true);
    expect(settledConfigVerdict(0, 2, 3)).toBe(false);
    expect(settledConfigVerdict(1, 2, 3)).toBeUndefined();
    expect(settledConfigVerdict(0, 1, 3)).toBeUndefined();
    // 2 iterations (strict majority = both): one light iteration already decides "not overloaded".
    expect(settledConfigVerdict(0, 1, 2)).toBe(false);
    expect(settledConfigVerdict(1, 1, 2)).toBeUndefined();
    expect(settledConfigVerdict(0, 0, 1)).toBeUndefined();
  });
});

const LIMITS = { min_share: 0.2, min_requests: 50 };
const fn = (name: string, rate: number, answered: number, successes: number): FunctionSoFar => ({ name, rate, answered, successes });

describe("settledOverload: an iteration whose overload is certain before its window ends", () => {
  it("is settled once the failures alone keep the best case below the function threshold", () => {
    // 10 s at 100 req/s: 1000 scheduled; 0.9 needs more than 100 failures to be out of reach (node rule off here).
    const functionRuleOnly = { ...T, success_rate_node_min: 0 };
    expect(settledOverload({ elapsedSeconds: 3, functions: [fn("a", 100, 300, 200)] }, 10, functionRuleOnly, LIMITS)).toBeUndefined(); // best 0.900
    const e = settledOverload({ elapsedSeconds: 3, functions: [fn("a", 100, 300, 199)] }, 10, functionRuleOnly, LIMITS)!;
    expect(e.functions).toEqual([{ name: "a", scheduled: 1000, answered: 300, failed: 101, best_success_rate: 0.899 }]);
    expect(e.reasons).toEqual(["a: best success 0.899 < 0.9 (101 of 1000 failed)"]);
    expect(e).toMatchObject({ elapsed_seconds: 3, share: 0.3, answered: 300 });
    // With the node's rule (0.95) as well, 51 failures of 1000 already settle it.
    expect(settledOverload({ elapsedSeconds: 3, functions: [fn("a", 100, 300, 250)] }, 10, T, LIMITS)).toBeUndefined();
    expect(settledOverload({ elapsedSeconds: 3, functions: [fn("a", 100, 300, 249)] }, 10, T, LIMITS)!.reasons).toEqual(["node: best avg success 0.949 < 0.95"]);
  });

  it("uses the node's mean (an idle function counting 1) when no single function breaks its rule", () => {
    // a: 60 of 1000 failed, best 0.94 (≥ 0.9); the node's best mean 0.94 < 0.95.
    const e = settledOverload({ elapsedSeconds: 5, functions: [fn("a", 100, 500, 440)] }, 10, T, LIMITS)!;
    expect(e.reasons).toEqual(["node: best avg success 0.940 < 0.95"]);
    // Beside an idle function the mean is (0.94 + 1) / 2 = 0.97: not settled.
    expect(settledOverload({ elapsedSeconds: 5, functions: [fn("a", 100, 500, 440), fn("idle", 0, 0, 0)] }, 10, T, LIMITS)).toBeUndefined();
  });

  it("waits for the minimum share of the window and the minimum number of responses", () => {
    const allFailed = (elapsed: number, answered: number) => settledOverload({ elapsedSeconds: elapsed, functions: [fn("a", 1000, answered, 0)] }, 10, T, LIMITS);
    expect(allFailed(1.9, 1900)).toBeUndefined(); // 19 % of the window
    expect(allFailed(2, 2000)).toBeDefined();
    expect(settledOverload({ elapsedSeconds: 5, functions: [fn("a", 10, 49, 0)] }, 10, T, LIMITS)).toBeUndefined(); // 49 responses
  });

  it("is never settled for an iteration that ends within the success thresholds, whatever its pace", () => {
    // Any look at a window whose final success rates pass the rules: failures so far are at most the final failures.
    const rates = [1, 10, 50, 200];
    for (const rate of rates) {
      const scheduled = Math.ceil(rate * 10);
      for (const finalSuccess of [1, 0.95, 0.91, 0.9]) {
        const finalFailed = Math.floor(scheduled * (1 - finalSuccess));
        const final = nodeOverload({ functions: [{ name: "a", rate, success_rate: 1 - finalFailed / scheduled, replicas: 1 }], cpu_usage_node_pct: 0, ram_usage_node_pct: 0 }, T);
        for (let t = 1; t <= 10; t++) {
          const answered = Math.min(scheduled, Math.round(rate * t));
          const failed = Math.min(answered, finalFailed);
          const settled = settledOverload({ elapsedSeconds: t, functions: [fn("a", rate, answered, answered - failed)] }, 10, T, LIMITS);
          if (!final.overloaded) expect(settled, `rate ${rate}, success ${finalSuccess}, t ${t}`).toBeUndefined();
        }
      }
    }
  });
});

describe("the settings: defaults per scheduler", () => {
  it("frontier decides early and aborts settled iterations; cartesian and custom schedulers keep every iteration whole", () => {
    const of = (input: Record<string, unknown>) => parseWorkloadConfig(input).config;
    expect(of({ scheduler: "frontier" })).toMatchObject({ decide_early: true, early_abort: { enabled: true, min_share: 0.2, min_requests: 50, check_interval_seconds: 1 } });
    expect(of({})).toMatchObject({ scheduler: "cartesian", decide_early: false, early_abort: { enabled: false } });
    expect(of({ scheduler: "./my-scheduler.ts:Mine" })).toMatchObject({ decide_early: false, early_abort: { enabled: false } });
    // Explicit settings win over the scheduler's default.
    expect(of({ scheduler: "frontier", decide_early: false, early_abort: { enabled: false } })).toMatchObject({ decide_early: false, early_abort: { enabled: false } });
    expect(of({ decide_early: true, early_abort: { enabled: true, min_share: 0.5 } })).toMatchObject({ decide_early: true, early_abort: { enabled: true, min_share: 0.5 } });
  });

  it("refuses limits that could not mean anything, naming the field", () => {
    expect(() => parseWorkloadConfig({ early_abort: { min_share: 0 } })).toThrow(/early_abort\.min_share/);
    expect(() => parseWorkloadConfig({ early_abort: { min_requests: 0 } })).toThrow(/early_abort\.min_requests/);
    expect(() => parseWorkloadConfig({ early_abort: { check_interval_seconds: 0.05 } })).toThrow(/early_abort\.check_interval_seconds/);
    expect(() => parseWorkloadConfig({ early_abort: { bound: 1 } })).toThrow(/early_abort\.bound: unknown key/);
    expect(() => parseWorkloadConfig({ decide_early: "yes" })).toThrow(/decide_early/);
  });
});

describe("the run summary's cost figure", () => {
  const counts = { planned: 2, executed: 2, skipped: {}, overloaded: 1, failed: 0, iterations: 4 };
  it("divides the wall time by the nominal load of the windows started, and shows what was decided early", () => {
    const table = summaryTable({ ...counts, not_needed: 2, aborted_early: 1, wall_seconds: 96, nominal_load_seconds: 40, load_seconds: 33.4 }, [], "done");
    expect(table).toMatch(/iterations not needed\s+2/);
    expect(table).toMatch(/iterations aborted early\s+1/);
    expect(table).toMatch(/wall time \/ nominal load\s+2\.40 × \(wall 96\.0 s, nominal load 40 s, loaded 33\.4 s\)/);
    expect(campaignCost({ ...counts, wall_seconds: 5, nominal_load_seconds: 0 })).toBeUndefined();
    expect(summaryTable(counts, [], "done")).not.toMatch(/nominal load/);
  });
});

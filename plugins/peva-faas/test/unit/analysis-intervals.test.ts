/** 95 % intervals of a mean over iterations, checked against values computed by hand. */
import { describe, expect, it } from "vitest";
import { BOOTSTRAP_ABOVE, meanInterval, quantileSorted, tCritical95 } from "../../src/analysis/intervals.ts";

describe("meanInterval", () => {
  it("uses Student's t for few iterations: 1, 2, 3 gives 2 ± 4.303 · 1/√3", () => {
    const ci = meanInterval([1, 2, 3]);
    expect(ci.method).toBe("t");
    expect(ci.n).toBe(3);
    expect(ci.mean).toBe(2);
    // s = 1, t(0.975, 2) = 4.303: half width 4.303 / √3 = 2.48434
    expect(ci.lo).toBeCloseTo(-0.48434, 4);
    expect(ci.hi).toBeCloseTo(4.48434, 4);
  });

  it("gives two iterations 10 and 12 the wide interval 11 ± 12.706", () => {
    const ci = meanInterval([10, 12]);
    expect(ci.lo).toBeCloseTo(11 - 12.706, 6);
    expect(ci.hi).toBeCloseTo(11 + 12.706, 6);
  });

  it("has no interval for one value, leaves NaN out, and has no mean for none", () => {
    expect(meanInterval([5, Number.NaN])).toMatchObject({ n: 1, mean: 5, method: "none" });
    expect(Number.isNaN(meanInterval([5]).lo)).toBe(true);
    const empty = meanInterval([Number.NaN]);
    expect(empty.n).toBe(0);
    expect(Number.isNaN(empty.mean)).toBe(true);
  });

  it("switches to the bootstrap above 20 values, close to the normal interval and the same on every call", () => {
    const xs = Array.from({ length: 25 }, (_, i) => i + 1); // mean 13, s = √54.1667 = 7.3598, se = 1.47196
    const ci = meanInterval(xs);
    expect(ci.method).toBe("bootstrap");
    expect(ci.mean).toBe(13);
    expect(ci.lo).toBeGreaterThan(13 - 1.96 * 1.47196 - 0.4);
    expect(ci.lo).toBeLessThan(13 - 1.96 * 1.47196 + 0.4);
    expect(ci.hi).toBeGreaterThan(13 + 1.96 * 1.47196 - 0.4);
    expect(ci.hi).toBeLessThan(13 + 1.96 * 1.47196 + 0.4);
    expect(meanInterval([...xs].reverse())).toEqual(ci);
    expect(meanInterval(Array.from({ length: BOOTSTRAP_ABOVE }, (_, i) => i)).method).toBe("t");
  });

  it("has a zero-width interval for identical values", () => {
    expect(meanInterval([4, 4, 4])).toMatchObject({ mean: 4, lo: 4, hi: 4 });
    expect(meanInterval(Array(30).fill(4))).toMatchObject({ mean: 4, lo: 4, hi: 4, method: "bootstrap" });
  });
});

describe("tCritical95 and quantileSorted", () => {
  it("reads the t table and refuses degrees of freedom outside it", () => {
    expect(tCritical95(1)).toBe(12.706);
    expect(tCritical95(19)).toBe(2.093);
    expect(() => tCritical95(0)).toThrow(/1\.\.20/);
    expect(() => tCritical95(21)).toThrow(/1\.\.20/);
  });

  it("interpolates between closest ranks", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
  });
});

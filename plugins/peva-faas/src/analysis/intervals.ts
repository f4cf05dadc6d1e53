/**
 * 95 % confidence intervals of a mean over a configuration's iterations. Pure.
 *
 * Few iterations (the usual 3 to 10): Student's t-interval, which assumes roughly normal iterations and says so.
 * More than {@link BOOTSTRAP_ABOVE}: a percentile bootstrap of the mean, which assumes nothing about the shape and
 * is seeded, so the same data always gives the same bounds.
 */
import { mulberry32 } from "../config/rates.ts";

/** How an interval was computed: `t` (Student's t, n ≤ 20), `bootstrap` (percentile, n > 20), `none` (n < 2). */
export type IntervalMethod = "t" | "bootstrap" | "none";

/** A mean with its 95 % interval. `lo`/`hi` are NaN when the method is `none`. */
export interface MeanInterval {
  /** Values that entered the mean (NaN values are left out). */
  readonly n: number;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  readonly method: IntervalMethod;
}

/** Above this many values the bootstrap replaces the t-interval. */
export const BOOTSTRAP_ABOVE = 20;
/** Bootstrap resamples per interval. */
export const BOOTSTRAP_RESAMPLES = 2000;

/** Two-sided 95 % critical values of Student's t, by degrees of freedom 1..20 (standard table values). */
const T_975: readonly number[] = [
  Number.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086,
];

/** The 97.5 % quantile of Student's t with `df` degrees of freedom (1..20). */
export function tCritical95(df: number): number {
  const v = T_975[df];
  if (v === undefined || !Number.isInteger(df) || df < 1) throw new RangeError(`t table covers 1..20 degrees of freedom, not ${df}`);
  return v;
}


/** Seed from the (sorted) values themselves: the bounds depend on the data only, not on its order or on other series. */
function seedOf(values: readonly number[]): number {
  let h = 2166136261;
  for (const v of values) {
    const s = v.toString();
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  }
  return h >>> 0;
}

/** The value at quantile `q` of sorted values (linear interpolation between closest ranks). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The mean of `values` with its 95 % interval; NaN values are ignored. */
export function meanInterval(values: readonly number[]): MeanInterval {
  const xs = values.filter((v) => !Number.isNaN(v));
  const n = xs.length;
  if (n === 0) return { n, mean: Number.NaN, lo: Number.NaN, hi: Number.NaN, method: "none" };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, lo: Number.NaN, hi: Number.NaN, method: "none" };
  if (n <= BOOTSTRAP_ABOVE) {
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
    const half = tCritical95(n - 1) * Math.sqrt(variance / n);
    return { n, mean, lo: mean - half, hi: mean + half, method: "t" };
  }
  const sorted = [...xs].sort((a, b) => a - b);
  const random = mulberry32(seedOf(sorted));
  const means = new Array<number>(BOOTSTRAP_RESAMPLES);
  for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[Math.floor(random() * n)]!;
    means[b] = sum / n;
  }
  means.sort((a, b) => a - b);
  return { n, mean, lo: quantileSorted(means, 0.025), hi: quantileSorted(means, 0.975), method: "bootstrap" };
}

/**
 * Extracting numbers from Prometheus HTTP API responses. Pure.
 *
 * Multiple series are **summed per timestamp** (upstream read only `result[0]`, defect 10); a range result is then
 * averaged over its timestamps. Non-finite samples (`NaN`, `±Inf`) are ignored in sums and means; a timestamp or
 * result without any finite sample yields NaN.
 */

/** A `[<epoch seconds>, "<value>"]` sample. */
export type PromSample = readonly [number, string];

/** The part of an API response we read. */
export interface PromResponse {
  readonly status?: string;
  readonly error?: string;
  readonly errorType?: string;
  readonly data?: {
    readonly resultType?: string;
    readonly result?: ReadonlyArray<{
      readonly metric?: Record<string, string>;
      readonly value?: PromSample;
      readonly values?: readonly PromSample[];
    }>;
  };
}

/** Number of series in a response. */
export function seriesCount(payload: PromResponse): number {
  const t = payload.data?.resultType;
  if (t === "scalar" || t === "string") return 1;
  return payload.data?.result?.length ?? 0;
}

function sample(v: PromSample | undefined): number {
  if (!v || v.length < 2) return Number.NaN;
  return Number.parseFloat(v[1]);
}

/** Sum over series of an instant vector (or a scalar result). */
export function instantSum(payload: PromResponse): number {
  const data = payload.data;
  if (data?.resultType === "scalar" || data?.resultType === "string") {
    return sample(data.result as unknown as PromSample);
  }
  let total = 0;
  let any = false;
  for (const s of data?.result ?? []) {
    const v = sample(s.value);
    if (Number.isFinite(v)) {
      total += v;
      any = true;
    }
  }
  return any ? total : Number.NaN;
}

/** Per-timestamp sums of a range matrix, sorted by time. */
export function rangeSumsPerTimestamp(payload: PromResponse): Array<[number, number]> {
  const sums = new Map<number, { total: number; any: boolean }>();
  for (const s of payload.data?.result ?? []) {
    for (const point of s.values ?? []) {
      const t = point[0];
      const v = sample(point);
      const slot = sums.get(t) ?? { total: 0, any: false };
      if (Number.isFinite(v)) {
        slot.total += v;
        slot.any = true;
      }
      sums.set(t, slot);
    }
  }
  return [...sums.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, s]) => [t, s.any ? s.total : Number.NaN] as [number, number]);
}

/** Mean over timestamps of the per-timestamp sums (NaN when there is no finite point). */
export function meanOfFinite(points: ReadonlyArray<readonly [number, number]>): number {
  let total = 0;
  let n = 0;
  for (const [, v] of points) {
    if (Number.isFinite(v)) {
      total += v;
      n++;
    }
  }
  return n > 0 ? total / n : Number.NaN;
}

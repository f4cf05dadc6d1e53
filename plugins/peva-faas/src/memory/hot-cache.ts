/**
 * In-process cache for decisions: which configurations are DONE (O(1) `isSeen`) and a numeric feature vector
 * per configuration for policies. DuckDB stays the source of truth; this is rebuilt from it at startup.
 */
import type { ConfigVerdict } from "./contracts.ts";
import type { StagedEvents } from "./event-staging.ts";
import type { PayloadLayout } from "./payload-layout.ts";

interface FeatureAccumulator {
  sums: Float64Array;
  counts: Float64Array;
}

/** Done set + feature vectors, keyed by config id. */
export class HotCache {
  private readonly done = new Map<string, ConfigVerdict>();
  private readonly features = new Map<string, FeatureAccumulator>();
  /** Feature name → position; one layout for every configuration so vectors are comparable. */
  private readonly layout = new Map<string, number>();
  private readonly names: string[] = [];
  /** Keys of the last result row and their positions (the fast path of `addResultRow`). */
  private lastKeys: string[] = [];
  private lastPositions = new Int32Array(0);
  /** Per payload layout: feature position of each numeric result value (-1 until the key first has a number). */
  private readonly layoutPositions = new Map<PayloadLayout, Int32Array>();

  /** Records a DONE configuration; the first verdict wins (a verdict is never re-decided). */
  markDone(verdict: ConfigVerdict): void {
    if (!this.done.has(verdict.config.id)) this.done.set(verdict.config.id, verdict);
  }

  /** O(1): the configuration is DONE in the cached campaign. */
  isDone(configId: string): boolean {
    return this.done.has(configId);
  }

  /** Number of DONE configurations. */
  get doneCount(): number {
    return this.done.size;
  }

  /** Cached verdicts, in insertion order. */
  verdicts(): ConfigVerdict[] {
    return [...this.done.values()];
  }

  /**
   * Adds one executed iteration's result row: its numeric, non-NaN values update the running means. Rows of a
   * campaign share their keys, so the key → position mapping of the previous row is reused while the keys match
   * in order (a bulk load of a million rows would otherwise do 35 million map lookups).
   */
  addResultRow(configId: string, row: Readonly<Record<string, number | string>>): void {
    let acc = this.features.get(configId);
    const keys = this.lastKeys;
    const positions = this.lastPositions;
    let seen: string[] | undefined;
    let i = 0;
    for (const name in row) {
      // -1: a key seen before but never with a number, so it has no position yet.
      const cached = seen === undefined && keys[i] === name ? positions[i]! : undefined;
      if (cached === undefined) seen ??= keys.slice(0, i);
      seen?.push(name);
      i++;
      const value = row[name];
      if (typeof value !== "number" || Number.isNaN(value)) continue;
      const index = cached !== undefined && cached >= 0 ? cached : this.indexOf(name);
      acc ??= this.create(configId);
      if (index >= acc.sums.length) acc = this.grow(configId, acc);
      acc.sums[index]! += value;
      acc.counts[index]! += 1;
    }
    if (seen !== undefined || i !== keys.length) {
      this.lastKeys = seen ?? keys.slice(0, i);
      this.lastPositions = Int32Array.from(this.lastKeys, (name) => this.layout.get(name) ?? -1);
    }
  }

  /**
   * Adds the executed iterations of a staged batch, from its typed result values: the same as `addResultRow` for
   * each of them, without reading the event objects a second time (bulk ingest stages them anyway).
   */
  addStaged(staged: StagedEvents): void {
    const { configIx, configs, executedWithResult, rowLayouts, resultOffsets, resultValues } = staged;
    // A batch repeats its configurations: look each one's accumulator up once, not once per row.
    const accs = new Array<FeatureAccumulator | undefined>(configs.length);
    let layout: PayloadLayout | undefined;
    let keys: readonly string[] = [];
    let positions: Int32Array = new Int32Array(0);
    for (let i = 0; i < staged.rowCount; i++) {
      if (executedWithResult[i] !== 1) continue;
      if (rowLayouts[i] !== layout) {
        layout = rowLayouts[i]!;
        keys = layout.numericKeys ?? [];
        positions = this.positionsOf(layout);
      }
      const c = configIx[i]!;
      let acc = accs[c] ?? this.features.get(configs[c]!.id);
      let sums = acc?.sums;
      let counts = acc?.counts;
      const from = resultOffsets[i]!;
      const to = resultOffsets[i + 1]!;
      for (let j = from; j < to; j++) {
        const value = resultValues[j]!;
        if (value !== value) continue; // NaN
        let index = positions[j - from]!;
        if (index < 0) index = positions[j - from] = this.indexOf(keys[j - from]!);
        if (acc === undefined || index >= sums!.length) {
          acc = acc === undefined ? this.create(configs[c]!.id) : this.grow(configs[c]!.id, acc);
          sums = acc.sums;
          counts = acc.counts;
        }
        sums![index]! += value;
        counts![index]! += 1;
      }
      accs[c] = acc;
    }
  }

  /** The feature positions of a layout's numeric values (see `layoutPositions`). */
  private positionsOf(layout: PayloadLayout): Int32Array {
    let positions = this.layoutPositions.get(layout);
    if (positions === undefined) {
      positions = Int32Array.from(layout.numericKeys ?? [], (name) => this.layout.get(name) ?? -1);
      this.layoutPositions.set(layout, positions);
    }
    return positions;
  }

  /** The feature vector (mean per feature; NaN where the configuration never had a value), or undefined. */
  featureVector(configId: string): Float64Array | undefined {
    const acc = this.features.get(configId);
    if (acc === undefined) return undefined;
    const out = new Float64Array(this.names.length).fill(Number.NaN);
    for (let i = 0; i < acc.sums.length; i++) {
      if (acc.counts[i]! > 0) out[i] = acc.sums[i]! / acc.counts[i]!;
    }
    return out;
  }

  /** Names of the vector positions. */
  featureNames(): readonly string[] {
    return this.names;
  }

  private indexOf(name: string): number {
    let index = this.layout.get(name);
    if (index === undefined) {
      index = this.names.length;
      this.layout.set(name, index);
      this.names.push(name);
    }
    return index;
  }

  private create(configId: string): FeatureAccumulator {
    const acc = { sums: new Float64Array(this.names.length), counts: new Float64Array(this.names.length) };
    this.features.set(configId, acc);
    return acc;
  }

  private grow(configId: string, acc: FeatureAccumulator): FeatureAccumulator {
    const sums = new Float64Array(this.names.length);
    const counts = new Float64Array(this.names.length);
    sums.set(acc.sums);
    counts.set(acc.counts);
    const grown = { sums, counts };
    this.features.set(configId, grown);
    return grown;
  }
}

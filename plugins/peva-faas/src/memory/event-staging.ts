/**
 * Turns a batch of events into the typed columns of the `stage_events` temp table (see `STAGE_EVENT_COLUMNS`).
 *
 * Every string of the batch (run and campaign ids, statuses, skip reasons, text values of result rows) goes into
 * one per-batch dictionary and the rows carry its indices; configurations likewise into a per-batch list (rows of
 * `stage_configs`). So a row is numbers only, copied into DuckDB vectors in bulk; the merge SQL resolves indices.
 * Pure apart from the layout registry it is handed, and independent of the database's state, so it can run while
 * the previous batch is still being written.
 */
import type { Configuration } from "../model.ts";
import type { StagedColumn } from "./column-chunks.ts";
import type { ExecutionEvent } from "./contracts.ts";
import type { PayloadLayout, PayloadLayouts } from "./payload-layout.ts";

/** A batch ready for the appender. */
export interface StagedEvents {
  readonly rowCount: number;
  /** In `stage_events` column order. */
  readonly columns: readonly StagedColumn[];
  /** The batch's configurations: `configs[ix]` (rows of `stage_configs`). */
  readonly configs: readonly Configuration[];
  /** The batch's string dictionary: `strings[ix]` (rows `stage_strings(ix, s)`). */
  readonly strings: readonly string[];
  /** The distinct layouts the batch uses. */
  readonly layouts: ReadonlyMap<bigint, PayloadLayout>;
  readonly hasExecuted: boolean;
  readonly hasSummary: boolean;
}

/** Stages `events` (already one per key); `layouts` resolves payload shapes. */
export function stageEvents(events: readonly ExecutionEvent[], layouts: PayloadLayouts): StagedEvents {
  const n = events.length;
  const configIxById = new Map<string, number>();
  const configs: Configuration[] = [];
  const configIndex = (config: Configuration): number => {
    let i = configIxById.get(config.id);
    if (i === undefined) {
      i = configs.length;
      configIxById.set(config.id, i);
      configs.push(config);
    }
    return i;
  };
  const dictionary = new Map<string, number>();
  const strings: string[] = [];
  const ix = (s: string): number => {
    let i = dictionary.get(s);
    if (i === undefined) {
      i = strings.length;
      dictionary.set(s, i);
      strings.push(s);
    }
    return i;
  };
  const configIx = new Int32Array(n);
  const iteration = new Int32Array(n);
  const repetition = new Int32Array(n);
  const runIx = new Int32Array(n);
  const campaignIx = new Int32Array(n);
  const startTs = new Float64Array(n);
  const endTs = new Float64Array(n);
  const statusIx = new Int32Array(n);
  const reasonIx = new Int32Array(n);
  const reasonNull = new Uint8Array(n);
  const layoutId = new BigInt64Array(n);
  const resultOffsets = new Uint32Array(n + 1);
  const textOffsets = new Uint32Array(n + 1);
  const metricOffsets = new Uint32Array(n + 1);
  const resultNull = new Uint8Array(n);
  const metricNull = new Uint8Array(n);
  const resultValues = new GrowableFloat64(n * 32);
  const textValues = new GrowableInt32(n * 2);
  const metricValues = new GrowableFloat64(n * 8);
  const summaries: (string | null)[] = new Array<string | null>(n);
  const summarySize = new Int32Array(n);
  const summaryNull = new Uint8Array(n);
  const used = new Map<bigint, PayloadLayout>();
  let layout: PayloadLayout | undefined;
  let hasExecuted = false;
  let hasSummary = false;

  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    configIx[i] = configIndex(e.config);
    iteration[i] = e.iteration;
    repetition[i] = e.repetition;
    runIx[i] = ix(e.runId);
    campaignIx[i] = ix(e.campaignId);
    startTs[i] = e.startTs;
    endTs[i] = e.endTs;
    statusIx[i] = ix(e.status);
    if (e.status === "executed") hasExecuted = true;
    if (e.skipReason === null) reasonNull[i] = 1;
    else reasonIx[i] = ix(e.skipReason);

    // One pass over the record: values are extracted while the keys are checked against the previous event's
    // layout (property keys are internalised strings, so `===` is cheap); only a changed shape rewinds and asks
    // the registry.
    const mark = [resultValues.length, textValues.length, metricValues.length] as const;
    if (layout === undefined || !extract(layout, e, resultValues, textValues, metricValues, ix)) {
      resultValues.length = mark[0];
      textValues.length = mark[1];
      metricValues.length = mark[2];
      layout = layouts.resolve(e.resultRow, e.metrics);
      if (!extract(layout, e, resultValues, textValues, metricValues, ix)) {
        throw new Error(`payload layout ${layout.id} does not match the event it was made from`);
      }
    }
    used.set(layout.id, layout);
    layoutId[i] = layout.id;
    if (e.resultRow === null) resultNull[i] = 1;
    if (e.metrics === null) metricNull[i] = 1;
    resultOffsets[i + 1] = resultValues.length;
    textOffsets[i + 1] = textValues.length;
    metricOffsets[i + 1] = metricValues.length;

    if (e.k6Summary === null || e.k6Summary === undefined) {
      summaries[i] = null;
      summaryNull[i] = 1;
    } else {
      const json = JSON.stringify(e.k6Summary);
      summaries[i] = json;
      summarySize[i] = Buffer.byteLength(json, "utf8");
      hasSummary = true;
    }
  }

  const columns: StagedColumn[] = [
    { kind: "int32", values: configIx },
    { kind: "int32", values: iteration },
    { kind: "int32", values: repetition },
    { kind: "int32", values: runIx },
    { kind: "int32", values: campaignIx },
    { kind: "double", values: startTs },
    { kind: "double", values: endTs },
    { kind: "int32", values: statusIx },
    { kind: "int32", values: reasonIx, nulls: reasonNull },
    { kind: "int64", values: layoutId },
    { kind: "list-double", offsets: resultOffsets, values: resultValues.view(), nulls: resultNull },
    { kind: "list-int32", offsets: textOffsets, values: textValues.view(), nulls: resultNull },
    { kind: "list-double", offsets: metricOffsets, values: metricValues.view(), nulls: metricNull },
    { kind: "varchar", values: summaries },
    { kind: "int32", values: summarySize, nulls: summaryNull },
  ];
  return { rowCount: n, columns, configs, strings, layouts: used, hasExecuted, hasSummary };
}

/**
 * Appends the event's values in `layout` order; false (with partial appends the caller rewinds) when the event's
 * keys, their order or the kind of a result value differ from the layout.
 */
function extract(
  layout: PayloadLayout,
  e: ExecutionEvent,
  resultValues: GrowableFloat64,
  textValues: GrowableInt32,
  metricValues: GrowableFloat64,
  ix: (s: string) => number,
): boolean {
  const row = e.resultRow;
  const keys = layout.resultKeys;
  if (row === null || keys === null) {
    if (row !== keys) return false;
  } else {
    const isText = layout.resultIsText!;
    let i = 0;
    for (const k in row) {
      if (keys[i] !== k) return false;
      const v = row[k]!;
      if (typeof v === "string") {
        if (!isText[i]) return false;
        textValues.push(ix(v));
      } else {
        if (isText[i]) return false;
        resultValues.push(v);
      }
      i++;
    }
    if (i !== keys.length) return false;
  }
  const metrics = e.metrics;
  const metricKeys = layout.metricKeys;
  if (metrics === null || metricKeys === null) return metrics === metricKeys;
  let j = 0;
  for (const k in metrics) {
    if (metricKeys[j] !== k) return false;
    const v = metrics[k];
    metricValues.push(typeof v === "number" ? v : Number.NaN);
    j++;
  }
  return j === metricKeys.length;
}

/** An append-only Float64Array that doubles when full. */
class GrowableFloat64 {
  private data: Float64Array<ArrayBuffer>;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array<ArrayBuffer> {
    return this.data.subarray(0, this.length);
  }
}

/** An append-only Int32Array that doubles when full. */
class GrowableInt32 {
  private data: Int32Array<ArrayBuffer>;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array<ArrayBuffer> {
    return this.data.subarray(0, this.length);
  }
}

/**
 * Turns a batch of events into the typed columns of the `stage_events` temp table (see `STAGE_EVENT_COLUMNS`).
 *
 * Every string of the batch (run and campaign ids, statuses, skip reasons, text values of result rows, the
 * generator and format of raw load reports) goes into
 * one per-batch dictionary and the rows carry its indices; configurations likewise into a per-batch list (rows of
 * `stage_configs`). So a row is numbers only, copied into DuckDB vectors in bulk; the merge SQL resolves indices.
 * Pure apart from the layout registry it is handed, and independent of the database's state, so it can run while
 * the previous batch is still being written.
 */
import type { Configuration } from "../model.ts";
import type { StagedColumn } from "./column-chunks.ts";
import type { ExecutionEvent } from "./contracts.ts";
import type { PayloadLayout, PayloadLayouts } from "./payload-layout.ts";

/** A batch ready for the appender, and for the hot cache (which reads the result values from here, not again from the objects). */
export interface StagedEvents {
  readonly rowCount: number;
  /** Per row: its configuration, `configs[configIx[i]]`. */
  readonly configIx: Int32Array<ArrayBuffer>;
  /** Per row: 1 when the event was executed and has a result row. */
  readonly executedWithResult: Uint8Array;
  /** Per row: its payload layout. */
  readonly rowLayouts: readonly PayloadLayout[];
  /** Per row: its numeric result values are `resultValues[resultOffsets[i] .. resultOffsets[i + 1])`, in layout order. */
  readonly resultOffsets: Uint32Array<ArrayBuffer>;
  readonly resultValues: Float64Array<ArrayBuffer>;
  /** In `stage_events` column order. */
  readonly columns: readonly StagedColumn[];
  /** The batch's configurations: `configs[ix]` (rows of `stage_configs`). */
  readonly configs: readonly Configuration[];
  /** The batch's string dictionary: `strings[ix]` (rows `stage_strings(ix, s)`). */
  readonly strings: readonly string[];
  /** The distinct layouts the batch uses. */
  readonly layouts: ReadonlyMap<bigint, PayloadLayout>;
  readonly hasExecuted: boolean;
  /** True when some row has a `loadReport` (the batch then writes `loadgen_raw_reports` too). */
  readonly hasReport: boolean;
}

/**
 * Typed buffers reused from one batch to the next. A fresh 64 MB `Float64Array` per batch of 250 000 events cost
 * more than everything else staging does (the kernel zero-fills every page on first touch: ~1 µs per event on the
 * 2-core VM of `docs/benchmarks.md`). The arrays of a {@link StagedEvents} are views into its arena's buffers, so
 * a batch staged in an arena is valid until the next `stageEvents` call with the same arena.
 */
export class StagingArena {
  private readonly buffers = new Map<string, ArrayBuffer>();

  /** A zero-filled view of `length` elements of the slot's buffer (grown when too small). */
  take<T extends TypedArray>(slot: string, make: TypedArrayConstructor<T>, length: number, zero = true): T {
    const bytes = Math.max(64, length * make.BYTES_PER_ELEMENT);
    let buffer = this.buffers.get(slot);
    if (buffer === undefined || buffer.byteLength < bytes) {
      buffer = new ArrayBuffer(Math.max(bytes, 2 * (buffer?.byteLength ?? 0)));
      this.buffers.set(slot, buffer);
      zero = false; // new memory is zero already
    }
    const view = new make(buffer, 0, length);
    if (zero) view.fill(0 as never);
    return view;
  }

  /** Keeps a buffer a growable list outgrew, for the next batch. */
  keep(slot: string, buffer: ArrayBuffer): void {
    if ((this.buffers.get(slot)?.byteLength ?? 0) < buffer.byteLength) this.buffers.set(slot, buffer);
  }
}

type TypedArray = Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Float64Array<ArrayBuffer> | BigInt64Array<ArrayBuffer>;
interface TypedArrayConstructor<T extends TypedArray> {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * Stages `events` (already one per key); `layouts` resolves payload shapes. With an `arena`, the result's arrays
 * live in its buffers (see {@link StagingArena}); without, in fresh ones.
 */
export function stageEvents(events: readonly ExecutionEvent[], layouts: PayloadLayouts, arena = new StagingArena()): StagedEvents {
  const n = events.length;
  const configIndex = new Interner<Configuration>();
  const dictionary = new Interner<string>();
  const ix = (s: string): number => dictionary.indexOf(s, s);
  // Consecutive events nearly always share run, campaign and status: compare with the previous one before hashing.
  const runIndex = lastValueFirst(ix);
  const campaignIndex = lastValueFirst(ix);
  const statusIndex = lastValueFirst(ix);
  // Arrays whose every element is written below need no zero-fill; flags and offsets do.
  const configIx = arena.take("configIx", Int32Array, n, false);
  const iteration = arena.take("iteration", Int32Array, n, false);
  const repetition = arena.take("repetition", Int32Array, n, false);
  const runIx = arena.take("runIx", Int32Array, n, false);
  const campaignIx = arena.take("campaignIx", Int32Array, n, false);
  const startTs = arena.take("startTs", Float64Array, n, false);
  const endTs = arena.take("endTs", Float64Array, n, false);
  const statusIx = arena.take("statusIx", Int32Array, n, false);
  const reasonIx = arena.take("reasonIx", Int32Array, n);
  const reasonNull = arena.take("reasonNull", Uint8Array, n);
  const layoutId = arena.take("layoutId", BigInt64Array, n, false);
  const resultOffsets = arena.take("resultOffsets", Uint32Array, n + 1);
  const textOffsets = arena.take("textOffsets", Uint32Array, n + 1);
  const metricOffsets = arena.take("metricOffsets", Uint32Array, n + 1);
  const resultNull = arena.take("resultNull", Uint8Array, n);
  const metricNull = arena.take("metricNull", Uint8Array, n);
  const resultValues = new Growable(arena, "resultValues", Float64Array, n * 32);
  const textValues = new Growable(arena, "textValues", Int32Array, n * 2);
  const metricValues = new Growable(arena, "metricValues", Float64Array, n * 8);
  const reports: (string | null)[] = new Array<string | null>(n);
  const reportSize = arena.take("reportSize", Int32Array, n);
  const reportGeneratorIx = arena.take("reportGeneratorIx", Int32Array, n);
  const reportFormatIx = arena.take("reportFormatIx", Int32Array, n);
  const reportNull = arena.take("reportNull", Uint8Array, n);
  const used = new Map<bigint, PayloadLayout>();
  const rowLayouts = new Array<PayloadLayout>(n);
  const executedWithResult = arena.take("executedWithResult", Uint8Array, n);
  let layout: PayloadLayout | undefined;
  let hasExecuted = false;
  let hasReport = false;

  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    configIx[i] = configIndex.indexOf(e.config.id, e.config);
    iteration[i] = e.iteration;
    repetition[i] = e.repetition;
    runIx[i] = runIndex(e.runId);
    campaignIx[i] = campaignIndex(e.campaignId);
    startTs[i] = e.startTs;
    endTs[i] = e.endTs;
    statusIx[i] = statusIndex(e.status);
    const executed = e.status === "executed";
    if (executed) hasExecuted = true;
    if (e.skipReason === null) reasonNull[i] = 1;
    else reasonIx[i] = ix(e.skipReason);

    // One pass over the record: values are extracted while the keys are checked against the previous event's
    // layout (property keys are internalised strings, so `===` is cheap); only a changed shape rewinds and asks
    // the registry.
    const r0 = resultValues.length;
    const t0 = textValues.length;
    const m0 = metricValues.length;
    if (layout === undefined || !extract(layout, e, resultValues, textValues, metricValues, ix)) {
      resultValues.length = r0;
      textValues.length = t0;
      metricValues.length = m0;
      layout = layouts.resolve(e.resultRow, e.metrics);
      if (!extract(layout, e, resultValues, textValues, metricValues, ix)) {
        throw new Error(`payload layout ${layout.id} does not match the event it was made from`);
      }
      used.set(layout.id, layout);
    }
    rowLayouts[i] = layout;
    layoutId[i] = layout.id;
    if (e.resultRow === null) resultNull[i] = 1;
    else if (executed) executedWithResult[i] = 1;
    if (e.metrics === null) metricNull[i] = 1;
    resultOffsets[i + 1] = resultValues.length;
    textOffsets[i + 1] = textValues.length;
    metricOffsets[i + 1] = metricValues.length;

    const report = e.loadReport;
    if (report === null || report === undefined) {
      reports[i] = null;
      reportNull[i] = 1;
    } else {
      const json = JSON.stringify(report.document);
      reports[i] = json;
      reportSize[i] = Buffer.byteLength(json, "utf8");
      reportGeneratorIx[i] = ix(report.generator);
      reportFormatIx[i] = ix(report.format);
      hasReport = true;
    }
  }

  const values = resultValues.view();
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
    { kind: "list-double", offsets: resultOffsets, values, nulls: resultNull },
    { kind: "list-int32", offsets: textOffsets, values: textValues.view(), nulls: resultNull },
    { kind: "list-double", offsets: metricOffsets, values: metricValues.view(), nulls: metricNull },
    { kind: "varchar", values: reports },
    { kind: "int32", values: reportSize, nulls: reportNull },
    { kind: "int32", values: reportGeneratorIx, nulls: reportNull },
    { kind: "int32", values: reportFormatIx, nulls: reportNull },
  ];
  return {
    rowCount: n,
    configIx,
    executedWithResult,
    rowLayouts,
    resultOffsets,
    resultValues: values,
    columns,
    configs: configIndex.values,
    strings: dictionary.values,
    layouts: used,
    hasExecuted,
    hasReport,
  };
}

/** Numbers a batch's distinct keys in order of first appearance, keeping one value per key. */
class Interner<T> {
  private readonly index = new Map<string, number>();
  readonly values: T[] = [];

  indexOf(key: string, value: T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.index.set(key, i);
      this.values.push(value);
    }
    return i;
  }
}

/** `index`, answering a repeat of the previous key without asking it again. */
function lastValueFirst(index: (key: string) => number): (key: string) => number {
  let lastKey: string | undefined;
  let last = -1;
  return (key) => {
    if (key !== lastKey) {
      last = index(key);
      lastKey = key;
    }
    return last;
  };
}

/**
 * Appends the event's values in `layout` order; false (with partial appends the caller rewinds) when the event's
 * keys, their order or the kind of a result value differ from the layout. Values are written straight into the
 * reserved typed arrays (a layout bounds how many an event can add before a mismatch stops it).
 */
function extract(
  layout: PayloadLayout,
  e: ExecutionEvent,
  resultValues: Growable<Float64Array<ArrayBuffer>>,
  textValues: Growable<Int32Array<ArrayBuffer>>,
  metricValues: Growable<Float64Array<ArrayBuffer>>,
  ix: (s: string) => number,
): boolean {
  const row = e.resultRow;
  const keys = layout.resultKeys;
  if (row === null || keys === null) {
    if (row !== keys) return false;
  } else {
    const isText = layout.resultIsText!;
    const numbers = resultValues.reserve(keys.length);
    const texts = textValues.reserve(keys.length);
    let r = resultValues.length;
    let t = textValues.length;
    let i = 0;
    for (const k in row) {
      if (keys[i] !== k) return false;
      const v = row[k]!;
      if (typeof v === "string") {
        if (!isText[i]) return false;
        texts[t++] = ix(v);
      } else {
        if (isText[i]) return false;
        numbers[r++] = v;
      }
      i++;
    }
    if (i !== keys.length) return false;
    resultValues.length = r;
    textValues.length = t;
  }
  const metrics = e.metrics;
  const metricKeys = layout.metricKeys;
  if (metrics === null || metricKeys === null) return metrics === metricKeys;
  const values = metricValues.reserve(metricKeys.length);
  let m = metricValues.length;
  let j = 0;
  for (const k in metrics) {
    if (metricKeys[j] !== k) return false;
    const v = metrics[k];
    values[m++] = typeof v === "number" ? v : Number.NaN;
    j++;
  }
  if (j !== metricKeys.length) return false;
  metricValues.length = m;
  return true;
}

/** An append-only typed array in an arena slot that grows (at least doubling) when full. */
class Growable<T extends Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer>> {
  private readonly arena: StagingArena;
  private readonly slot: string;
  private readonly make: TypedArrayConstructor<T> & { new (length: number): T };
  private data: T;
  length = 0;
  constructor(arena: StagingArena, slot: string, make: TypedArrayConstructor<T> & { new (length: number): T }, capacity: number) {
    this.arena = arena;
    this.slot = slot;
    this.make = make;
    this.data = arena.take(slot, make, Math.max(16, capacity), false);
  }
  /** The backing array, grown so that `count` more elements fit after `length`. */
  reserve(count: number): T {
    if (this.length + count > this.data.length) {
      const next = new this.make(Math.max(this.data.length * 2, this.length + count));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
      this.arena.keep(this.slot, next.buffer);
    }
    return this.data;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/**
 * Payload layouts: how an event's result row and metrics are stored as typed lists.
 *
 * A result row is a record of numbers and strings whose keys are the same for every iteration of a campaign with
 * the same number of functions. Storing the keys once per layout (table `payload_layouts`) and the values per
 * event (`result_values DOUBLE[]`, `result_text VARCHAR[]`, `metric_values DOUBLE[]`) makes an event ~40 doubles
 * instead of ~1 KB of JSON: what makes batched ingest and Parquet preload fast. NaN and ±Infinity are stored as
 * themselves (DOUBLE has them; JSON has not). The view `execution_results` turns the lists back into maps.
 *
 * A layout's id is a hash of its keys, so two databases assign the same id to the same layout and a Parquet
 * checkpoint merges without renumbering.
 */
import { createHash } from "node:crypto";

/** The keys of one payload shape, in the order the record had them. */
export interface PayloadLayout {
  /** Content hash of the keys (60 bits, a positive BIGINT). */
  readonly id: bigint;
  /** Result-row keys in order, or `null` when the event has no result row. */
  readonly resultKeys: readonly string[] | null;
  /** Per result key: `true` when its value is a string (stored in `result_text`). */
  readonly resultIsText: readonly boolean[] | null;
  /** The result keys of numeric values (`result_values` order), and of text values (`result_text` order). */
  readonly numericKeys: readonly string[] | null;
  readonly textKeys: readonly string[] | null;
  /** Metric keys in order, or `null` when the event has no metrics. */
  readonly metricKeys: readonly string[] | null;
}

/** A layout from its keys (the numeric and text key lists are derived here, once). */
export function payloadLayout(
  id: bigint,
  resultKeys: readonly string[] | null,
  resultIsText: readonly boolean[] | null,
  metricKeys: readonly string[] | null,
): PayloadLayout {
  return {
    id,
    resultKeys,
    resultIsText,
    numericKeys: resultKeys === null ? null : resultKeys.filter((_, i) => !resultIsText![i]),
    textKeys: resultKeys === null ? null : resultKeys.filter((_, i) => resultIsText![i]),
    metricKeys,
  };
}

/** The `payload_layouts` row of a layout. */
export function layoutRow(layout: PayloadLayout): Pick<PayloadLayout, "resultKeys" | "numericKeys" | "textKeys" | "metricKeys"> {
  return { resultKeys: layout.resultKeys, numericKeys: layout.numericKeys, textKeys: layout.textKeys, metricKeys: layout.metricKeys };
}

type ResultRow = Readonly<Record<string, number | string>>;
type Metrics = Readonly<Record<string, number>>;

/**
 * The layouts a store knows. `resolve` builds a signature from the record's keys, so it is for a change of shape;
 * the ingest path (`stageEvents`) checks each event against the current layout while extracting its values and
 * calls `resolve` only when the shape changed.
 */
export class PayloadLayouts {
  private readonly byId = new Map<bigint, PayloadLayout>();
  private readonly bySignature = new Map<string, PayloadLayout>();

  /** Registers a stored layout (from `payload_layouts`). */
  add(layout: PayloadLayout): void {
    if (!this.byId.has(layout.id)) {
      this.byId.set(layout.id, layout);
      this.bySignature.set(signature(layout.resultKeys, layout.resultIsText, layout.metricKeys), layout);
    }
  }

  /** A layout by id, or undefined. */
  get(id: bigint): PayloadLayout | undefined {
    return this.byId.get(id);
  }

  /** The layout of an event's payload (registered here when new; the store persists it with the event). */
  resolve(resultRow: ResultRow | null, metrics: Metrics | null): PayloadLayout {
    const resultKeys = resultRow === null ? null : Object.keys(resultRow);
    const resultIsText = resultRow === null ? null : resultKeys!.map((k) => typeof resultRow[k] === "string");
    const metricKeys = metrics === null ? null : Object.keys(metrics);
    const sig = signature(resultKeys, resultIsText, metricKeys);
    let layout = this.bySignature.get(sig);
    if (layout === undefined) {
      const id = BigInt(`0x${createHash("sha256").update(sig).digest("hex").slice(0, 15)}`);
      layout = payloadLayout(id, resultKeys, resultIsText, metricKeys);
      this.byId.set(id, layout);
      this.bySignature.set(sig, layout);
    }
    return layout;
  }
}

function signature(
  resultKeys: readonly string[] | null,
  resultIsText: readonly boolean[] | null,
  metricKeys: readonly string[] | null,
): string {
  return JSON.stringify([resultKeys, resultIsText, metricKeys]);
}

/** Rebuilds the result row of a stored event from its layout and lists (keys in the original order). */
export function decodeResultRow(
  layout: PayloadLayout,
  numbers: readonly number[] | null,
  texts: readonly string[] | null,
): Record<string, number | string> | null {
  if (layout.resultKeys === null || numbers === null) return null;
  const row: Record<string, number | string> = {};
  let n = 0;
  let t = 0;
  for (let i = 0; i < layout.resultKeys.length; i++) {
    row[layout.resultKeys[i]!] = layout.resultIsText![i] ? texts![t++]! : numbers[n++]!;
  }
  return row;
}

/** Rebuilds the metrics of a stored event. */
export function decodeMetrics(layout: PayloadLayout, values: readonly number[] | null): Record<string, number> | null {
  if (layout.metricKeys === null || values === null) return null;
  const out: Record<string, number> = {};
  for (let i = 0; i < layout.metricKeys.length; i++) out[layout.metricKeys[i]!] = values[i]!;
  return out;
}

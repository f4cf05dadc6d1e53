/**
 * Pure helpers around {@link ExecutionEvent}: validation, keys, builders, and the JSON encoding the stores use.
 * No I/O here, so the rules are unit-tested directly and shared by the DuckDB and in-memory stores.
 */
import type { Configuration } from "../model.ts";
import type { EventStatus, ExecutionEvent, SkipReason } from "./contracts.ts";

const STATUSES: ReadonlySet<string> = new Set<EventStatus>(["executed", "skipped", "failed", "stopped"]);

/** The identity of an event in the store: `config_id|iteration|repetition|run_id` (the UNIQUE key). */
export function eventKey(e: Pick<ExecutionEvent, "config" | "iteration" | "repetition" | "runId">): string {
  return `${e.config.id}|${e.iteration}|${e.repetition}|${e.runId}`;
}

/** Thrown for an event the store must not accept; the message names the field and the event key. */
export class InvalidEventError extends Error {
  override name = "InvalidEventError";
}

/**
 * Checks the invariants the stores rely on. Hand-written rather than zod because it runs once per ingested
 * event on the hot path (hundreds of thousands per second in bulk loads).
 */
export function validateEvent(e: ExecutionEvent): void {
  const fail = (why: string): never => {
    throw new InvalidEventError(`invalid execution event (${safeKey(e)}): ${why}`);
  };
  if (typeof e.campaignId !== "string" || e.campaignId.length === 0) fail("campaignId must be a non-empty string");
  if (typeof e.runId !== "string" || e.runId.length === 0) fail("runId must be a non-empty string");
  if (!e.config || typeof e.config.id !== "string" || !Array.isArray(e.config.pairs)) {
    fail("config must be a Configuration (use makeConfiguration)");
  }
  if (!Number.isInteger(e.iteration) || e.iteration < 0) fail(`iteration must be an integer >= 0, got ${e.iteration}`);
  if (!Number.isInteger(e.repetition) || e.repetition < 0) {
    fail(`repetition must be an integer >= 0, got ${e.repetition}`);
  }
  if (!Number.isFinite(e.startTs) || !Number.isFinite(e.endTs)) fail("startTs and endTs must be finite epoch seconds");
  if (!STATUSES.has(e.status)) fail(`unknown status '${String(e.status)}'`);
  if (e.status === "executed") {
    if (e.skipReason !== null) fail("an executed event has skipReason null");
    if (e.iteration < 1) fail("an executed event has iteration >= 1");
  } else if (typeof e.skipReason !== "string" || e.skipReason.length === 0) {
    fail(`a ${e.status} event needs a skipReason`);
  }
}

function safeKey(e: ExecutionEvent): string {
  try {
    return eventKey(e);
  } catch {
    return "unknown key";
  }
}

/** Arguments of {@link skipEvent}. */
export interface SkipEventInput {
  readonly campaignId: string;
  readonly runId: string;
  readonly repetition: number;
  readonly config: Configuration;
  readonly reason: SkipReason | string;
  /** Epoch seconds. */
  readonly at: number;
}

/** A configuration-level skip record (iteration 0), so every skip is stored with its reason (defects 5, 8). */
export function skipEvent(input: SkipEventInput): ExecutionEvent {
  return {
    campaignId: input.campaignId,
    runId: input.runId,
    config: input.config,
    iteration: 0,
    repetition: input.repetition,
    startTs: input.at,
    endTs: input.at,
    status: "skipped",
    skipReason: input.reason,
    resultRow: null,
    metrics: null,
    k6Summary: null,
  };
}

/** `max(0, end − start)`, as upstream stores `duration_s`. */
export function eventDuration(e: Pick<ExecutionEvent, "startTs" | "endTs">): number {
  return Math.max(0, e.endTs - e.startTs);
}

/** A Map, not an object literal: `"valueOf" in {}` is true, and a result row may hold any string. */
const NON_FINITE: ReadonlyMap<string, number> = new Map([
  ["NaN", Number.NaN],
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
]);

function hasNonFinite(record: Readonly<Record<string, unknown>>): boolean {
  for (const k in record) {
    const v = record[k];
    if (typeof v === "number" && !Number.isFinite(v)) return true;
  }
  return false;
}

function finiteCopy<T>(record: Readonly<Record<string, T>>): Record<string, T | string> {
  const out: Record<string, T | string> = {};
  for (const k in record) {
    const v = record[k] as T;
    out[k] = typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
  }
  return out;
}

/**
 * Encodes a result row or metrics record as JSON. JSON has no NaN (stringify would write `null` and lose it), so
 * non-finite numbers are written as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`; the check runs first so the
 * common all-finite case stays a plain `JSON.stringify`.
 */
export function encodeRecord(record: Readonly<Record<string, number | string>> | null): string | null {
  if (record === null) return null;
  return JSON.stringify(hasNonFinite(record) ? finiteCopy(record) : record);
}

/** Inverse of {@link encodeRecord}: the three special strings come back as numbers. */
export function decodeRecord(json: string | null): Record<string, number | string> | null {
  return json === null ? null : reviveRecord(JSON.parse(json));
}

/** Turns a parsed record back into a result row (special strings → non-finite numbers), in place. */
function reviveRecord(parsed: unknown): Record<string, number | string> | null {
  if (parsed === null || typeof parsed !== "object") return null;
  const record = parsed as Record<string, number | string>;
  for (const k in record) {
    const v = record[k];
    if (typeof v === "string") {
      const special = NON_FINITE.get(v);
      if (special !== undefined) record[k] = special;
    }
  }
  return record;
}

/** Numeric view of a revived record: anything that is not a number becomes NaN. */
function toMetrics(record: Record<string, number | string> | null): Record<string, number> | null {
  if (record === null) return null;
  const out: Record<string, number> = {};
  for (const k in record) {
    const v = record[k];
    out[k] = typeof v === "number" ? v : Number.NaN;
  }
  return out;
}

/** Same as {@link decodeRecord} for metrics, which are numeric only. */
export function decodeMetrics(json: string | null): Record<string, number> | null {
  return toMetrics(decodeRecord(json));
}

/** The `payload_json` column: `{result_row, metrics}` (the raw summary lives in `k6_raw_summaries`). */
export function encodePayload(e: Pick<ExecutionEvent, "resultRow" | "metrics">): string {
  return `{"result_row":${encodeRecord(e.resultRow) ?? "null"},"metrics":${encodeRecord(e.metrics) ?? "null"}}`;
}

/** Inverse of {@link encodePayload}. */
export function decodePayload(json: string): Pick<ExecutionEvent, "resultRow" | "metrics"> {
  const parsed = JSON.parse(json) as { result_row?: unknown; metrics?: unknown } | null;
  return { resultRow: reviveRecord(parsed?.result_row ?? null), metrics: toMetrics(reviveRecord(parsed?.metrics ?? null)) };
}

/** Comparison used to return events in a stable order: repetition, iteration, start time, run id. */
export function compareEvents(a: ExecutionEvent, b: ExecutionEvent): number {
  return (
    a.repetition - b.repetition ||
    a.iteration - b.iteration ||
    a.startTs - b.startTs ||
    (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0)
  );
}

/**
 * Which of two events with the same key the store keeps: the first one, unless the newcomer is `executed` and
 * the kept one is not (the upgrade rule of {@link ExecutionEvent}).
 */
export function keepsNewcomer(kept: Pick<ExecutionEvent, "status">, newcomer: Pick<ExecutionEvent, "status">): boolean {
  return kept.status !== "executed" && newcomer.status === "executed";
}

/**
 * One event per key, by the rule of {@link keepsNewcomer}, in order of first appearance. Applied before a batch
 * reaches SQL: one INSERT may not touch a row twice, and deduplicating here is cheaper than a window function.
 */
export function dedupeEvents(events: readonly ExecutionEvent[]): ExecutionEvent[] {
  const byKey = new Map<string, number>();
  const out: ExecutionEvent[] = [];
  for (const e of events) {
    const key = eventKey(e);
    const at = byKey.get(key);
    if (at === undefined) {
      byKey.set(key, out.length);
      out.push(e);
    } else if (keepsNewcomer(out[at]!, e)) {
      out[at] = e;
    }
  }
  return out;
}

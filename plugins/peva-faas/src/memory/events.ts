/**
 * Pure helpers around {@link ExecutionEvent}: validation, keys, builders and the one-row-per-key rule.
 * No I/O here, so the rules are unit-tested directly and shared by the DuckDB and in-memory stores.
 */
import type { Configuration } from "../model.ts";
import type { EventStatus, ExecutionEvent, SkipReason } from "./contracts.ts";

const STATUSES: ReadonlySet<string> = new Set<EventStatus>(["executed", "skipped", "failed", "stopped", "contended", "not_needed"]);

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
  const report = e.loadReport;
  if (report !== null) {
    if (typeof report !== "object") fail("loadReport must be a LoadReport or null");
    if (typeof report.generator !== "string" || report.generator.length === 0) {
      fail("loadReport.generator must be a non-empty string (e.g. \"vegeta v12.13.0\")");
    }
    if (typeof report.format !== "string" || report.format.length === 0) {
      fail("loadReport.format must be a non-empty string (e.g. \"vegeta-report-json/v12\")");
    }
    if (report.document === undefined) fail("loadReport.document must be a JSON value (null when there is none)");
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
    loadReport: null,
  };
}

/** `max(0, end − start)`, as upstream stores `duration_s`. */
export function eventDuration(e: Pick<ExecutionEvent, "startTs" | "endTs">): number {
  return Math.max(0, e.endTs - e.startTs);
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

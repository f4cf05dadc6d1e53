/**
 * Pure: vegeta's per-request results (one JSON line each from `vegeta encode --to=json`) to the contract's
 * `FunctionLoadStats`. Latencies are kept in growable `Float64Array`s, not objects, so 600 000 requests cost
 * ~10 MB. Failure causes follow the contract: a response outside 200–399 is `http`; no response (vegeta's code 0)
 * is `timeout` when the error is Go's client timeout, `connection` otherwise.
 */
import { droppedRequests, isSuccessStatus, latencyStatsOf, type FunctionLoadStats } from "@peva-lab/core";

/** One request as vegeta recorded it. */
export interface AttackRecord {
  /** HTTP status; 0 when no response arrived. */
  readonly code: number;
  /** When the request was sent, epoch seconds. */
  readonly sentAt: number;
  /** How long it took (until the response, the timeout or the error), integer nanoseconds. */
  readonly latencyNs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** vegeta's error text, `""` when none. */
  readonly error: string;
}

/** What became of one request. */
export type RequestOutcome = "success" | "http" | "timeout" | "connection";

/**
 * Go's net/http client timeout as vegeta v12.13.0 reports it when `-timeout` elapses (code 0): `Get "…": context
 * deadline exceeded (Client.Timeout exceeded while awaiting headers)` before the headers, `context deadline exceeded
 * (Client.Timeout or context cancellation while reading body)` during the body.
 */
export const CLIENT_TIMEOUT_ERROR = /Client\.Timeout|context deadline exceeded/;

/** Classifies one request by status code and error text. */
export function classify(code: number, error: string): RequestOutcome {
  if (code !== 0) return isSuccessStatus(code) ? "success" : "http";
  return CLIENT_TIMEOUT_ERROR.test(error) ? "timeout" : "connection";
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

// Consecutive results mostly share their whole second: remember the last one parsed (a memo, not state).
let lastWhole = { key: "", ms: Number.NaN };

/** An RFC 3339 timestamp with up to nanosecond digits (Go's `time.RFC3339Nano`) as epoch seconds. */
export function parseTimestamp(text: string): number {
  const m = RFC3339.exec(text);
  if (!m) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(text.slice(0, 64))}`);
  const key = `${m[1]!}${m[3]!}`;
  if (key !== lastWhole.key) lastWhole = { key, ms: Date.parse(key) };
  if (Number.isNaN(lastWhole.ms)) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(text.slice(0, 64))}`);
  return lastWhole.ms / 1000 + (m[2] === undefined ? 0 : Number(`0.${m[2]}`));
}

function wholeField(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new Error(`field '${key}' is not a whole number >= 0`);
  return v;
}

/** One line of `vegeta encode --to=json` as an {@link AttackRecord}; throws on anything else. */
export function parseEncodedLine(line: string): AttackRecord {
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("a result line is not a JSON object");
  const o = parsed as Record<string, unknown>;
  if (typeof o["timestamp"] !== "string") throw new Error("field 'timestamp' is not a string");
  const error = o["error"] ?? "";
  if (typeof error !== "string") throw new Error("field 'error' is not a string");
  const code = wholeField(o, "code");
  if (code > 999) throw new Error(`field 'code' ${code} is not an HTTP status`);
  return {
    code,
    sentAt: parseTimestamp(o["timestamp"]),
    latencyNs: wholeField(o, "latency"),
    bytesIn: wholeField(o, "bytes_in"),
    bytesOut: wholeField(o, "bytes_out"),
    error,
  };
}

/** A growable array of doubles. */
class DoubleList {
  #data = new Float64Array(1024);
  #length = 0;
  push(v: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = v;
  }
  /** A view of the values (sorting it sorts them in place). */
  view(): Float64Array {
    return this.#data.subarray(0, this.#length);
  }
}

/** Accumulates the records of one function and turns them into its stats. */
export class FunctionAccumulator {
  readonly functionName: string;
  readonly targetRate: number;
  #requests = 0;
  #successes = 0;
  #http = 0;
  #timeout = 0;
  #connection = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  readonly #codes = new Map<number, number>();
  readonly #all = new DoubleList();
  readonly #ok = new DoubleList();
  #firstSent = Number.POSITIVE_INFINITY;
  #lastEnd = Number.NEGATIVE_INFINITY;

  constructor(functionName: string, targetRate: number) {
    this.functionName = functionName;
    this.targetRate = targetRate;
  }

  add(r: AttackRecord): void {
    this.#requests++;
    this.#codes.set(r.code, (this.#codes.get(r.code) ?? 0) + 1);
    this.#all.push(r.latencyNs);
    this.#bytesIn += r.bytesIn;
    this.#bytesOut += r.bytesOut;
    switch (classify(r.code, r.error)) {
      case "success":
        this.#successes++;
        this.#ok.push(r.latencyNs);
        break;
      case "http":
        this.#http++;
        break;
      case "timeout":
        this.#timeout++;
        break;
      case "connection":
        this.#connection++;
        break;
    }
    if (r.sentAt < this.#firstSent) this.#firstSent = r.sentAt;
    const end = r.sentAt + r.latencyNs / 1e9;
    if (end > this.#lastEnd) this.#lastEnd = end;
  }

  get requests(): number {
    return this.#requests;
  }

  /** When the first request was sent, epoch seconds; `undefined` before any record. */
  get firstSent(): number | undefined {
    return this.#requests === 0 ? undefined : this.#firstSent;
  }

  /** When the last request ended (sent + latency), epoch seconds; `undefined` before any record. */
  get lastEnd(): number | undefined {
    return this.#requests === 0 ? undefined : this.#lastEnd;
  }

  /** The stats for a load of `loadSeconds` (the configured duration, or the time until a stop). */
  stats(loadSeconds: number): FunctionLoadStats {
    const dropped = droppedRequests(this.targetRate, loadSeconds, this.#requests);
    const asked = this.#requests + dropped;
    const statusCodes: Record<string, number> = {};
    for (const code of [...this.#codes.keys()].sort((a, b) => a - b)) statusCodes[String(code)] = this.#codes.get(code)!;
    return {
      functionName: this.functionName,
      targetRate: this.targetRate,
      requests: this.#requests,
      statusCodes,
      successes: this.#successes,
      failures: { http: this.#http, timeout: this.#timeout, connection: this.#connection },
      successRate: asked === 0 ? 0 : this.#successes / asked,
      achievedRate: loadSeconds > 0 ? this.#requests / loadSeconds : 0,
      dropped,
      latencyAll: latencyStatsOf(this.#all.view()),
      latencySuccess: latencyStatsOf(this.#ok.view()),
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
    };
  }
}

/** Stats of one function from a list of records (tests and small inputs; the plugin streams into an accumulator). */
export function functionStats(
  functionName: string,
  targetRate: number,
  records: Iterable<AttackRecord>,
  loadSeconds: number,
): FunctionLoadStats {
  const acc = new FunctionAccumulator(functionName, targetRate);
  for (const r of records) acc.add(r);
  return acc.stats(loadSeconds);
}

/**
 * The load window over all functions: first request sent → last request ended (sent + latency), epoch seconds;
 * `fallback` when no function recorded a request.
 */
export function loadWindow(
  accumulators: readonly FunctionAccumulator[],
  fallback: { readonly start: number; readonly end: number },
): { start: number; end: number } {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const a of accumulators) {
    if (a.firstSent !== undefined && a.firstSent < start) start = a.firstSent;
    if (a.lastEnd !== undefined && a.lastEnd > end) end = a.lastEnd;
  }
  return Number.isFinite(start) ? { start, end } : { start: fallback.start, end: fallback.end };
}

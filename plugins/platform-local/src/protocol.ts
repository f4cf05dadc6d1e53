/**
 * Messages between the gateway and a worker process over the `fork` IPC channel (advanced serialization, so the
 * body travels as bytes and a sha256 of non-UTF-8 input stays exact).
 */
import type { Invocation } from "./handlers.ts";

/** Gateway → worker: run one invocation. A worker never gets a second one before it answered the first. */
export interface InvokeMessage extends Invocation {
  readonly type: "invoke";
  readonly id: number;
}

/** Worker → gateway: the handler is loaded and the replica can take requests. */
export interface ReadyMessage {
  readonly type: "ready";
  readonly cpuSeconds: number;
}

/** Worker → gateway: the outcome of one invocation. */
export interface ResultMessage {
  readonly type: "result";
  readonly id: number;
  readonly ok: boolean;
  /** Function output when `ok`, error text otherwise. */
  readonly output: string;
  /** Wall time of the handler alone (the watchdog's `X-Duration-Seconds`). */
  readonly execSeconds: number;
  /** The worker's own CPU time so far (user + system), a floor for the gateway's /proc accounting. */
  readonly cpuSeconds: number;
}

/** Any message a worker sends. */
export type WorkerMessage = ReadyMessage | ResultMessage;

/** Narrowing guard for messages arriving from a worker (the channel carries `unknown`). */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v["type"] === "ready") return typeof v["cpuSeconds"] === "number";
  return (
    v["type"] === "result" &&
    typeof v["id"] === "number" &&
    typeof v["ok"] === "boolean" &&
    typeof v["output"] === "string" &&
    typeof v["execSeconds"] === "number" &&
    typeof v["cpuSeconds"] === "number"
  );
}

/** Narrowing guard for messages arriving at a worker. */
export function isInvokeMessage(value: unknown): value is InvokeMessage {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v["type"] === "invoke" &&
    typeof v["id"] === "number" &&
    v["body"] instanceof Uint8Array &&
    typeof v["method"] === "string" &&
    typeof v["path"] === "string" &&
    typeof v["query"] === "string" &&
    typeof v["headers"] === "object" &&
    v["headers"] !== null
  );
}

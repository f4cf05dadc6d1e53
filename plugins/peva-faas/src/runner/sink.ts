/**
 * Where runner events go: appended to `<run dir>/events.jsonl` (fsync'd, so a follower and a crash see every
 * complete line) and echoed to stdout.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { RunEvent } from "./events.ts";

/** Distributive Omit over the event union. */
export type EventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, "run_id" | "ts"> : never) : never;

/** Writes events as JSON lines. */
export class EventSink {
  readonly #fd: number;
  readonly #runId: string;
  readonly #echo: boolean;

  constructor(path: string, runId: string, echo = true) {
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(path, "a");
    this.#runId = runId;
    this.#echo = echo;
  }

  /** Emits one event. */
  emit(body: EventBody): void {
    const line = `${JSON.stringify({ ...body, run_id: this.#runId, ts: Date.now() })}\n`;
    writeSync(this.#fd, line);
    fsyncSync(this.#fd);
    if (this.#echo) process.stdout.write(line);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

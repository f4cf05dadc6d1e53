/** A timer the test fires by hand, so timeout behaviour is tested without waiting or timing anything. */
import type { Timer } from "../../src/index.ts";

/** Collects scheduled callbacks; `fireAll` runs them. */
export class ManualTimer implements Timer {
  readonly pending = new Map<number, { ms: number; fn: () => void }>();
  /** Every delay ever scheduled, in order. */
  readonly scheduled: number[] = [];
  #next = 0;
  #waiters: (() => void)[] = [];

  schedule(ms: number, fn: () => void): () => void {
    const id = this.#next++;
    this.pending.set(id, { ms, fn });
    this.scheduled.push(ms);
    for (const w of this.#waiters.splice(0)) w();
    return () => this.pending.delete(id);
  }

  /** Resolves once at least `count` callbacks are pending. */
  async waitForPending(count = 1): Promise<void> {
    while (this.pending.size < count) await new Promise<void>((r) => this.#waiters.push(r));
  }

  /** Runs every pending callback (as if their time had come). */
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.fn();
  }
}

/** A promise with its resolve/reject exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Yields to the event loop until `condition()` holds (no clock involved). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
}

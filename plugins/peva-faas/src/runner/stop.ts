/**
 * The stop token: true once `<workdir>/STOP` exists or SIGINT/SIGTERM arrived. Checked before and during every
 * step (upstream never checked it inside the configuration loop); a watcher fires callbacks (e.g. stop the load generator) within
 * `pollMs` of the STOP file appearing.
 */
import { existsSync } from "node:fs";

/** A stop request observed by the runner. */
export class StopToken {
  #stopped = false;
  #reason = "";
  readonly #callbacks = new Set<() => void>();
  readonly #timer: NodeJS.Timeout;
  readonly #onSignal: (signal: NodeJS.Signals) => void;

  /** Path of the STOP file. */
  readonly stopFile: string;

  /** @param stopFile path of the STOP file; @param pollMs how often the file is checked */
  constructor(stopFile: string, pollMs = 200) {
    this.stopFile = stopFile;
    this.#onSignal = (signal) => this.request(`received ${signal}`);
    process.on("SIGINT", this.#onSignal);
    process.on("SIGTERM", this.#onSignal);
    this.#timer = setInterval(() => {
      if (!this.#stopped && existsSync(this.stopFile)) this.request(`found ${this.stopFile}`);
    }, pollMs);
    this.#timer.unref();
  }

  /** True once a stop was requested (also checks the STOP file right now). */
  get stopped(): boolean {
    if (!this.#stopped && existsSync(this.stopFile)) this.request(`found ${this.stopFile}`);
    return this.#stopped;
  }

  /** Why the run is stopping. */
  get reason(): string {
    return this.#reason;
  }

  /** Requests a stop and fires the callbacks once. */
  request(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reason = reason;
    for (const cb of this.#callbacks) cb();
  }

  /** Registers a callback fired on stop (immediately when already stopped); returns its unregistration. */
  onStop(cb: () => void): () => void {
    if (this.#stopped) {
      cb();
      return () => undefined;
    }
    this.#callbacks.add(cb);
    return () => this.#callbacks.delete(cb);
  }

  /** Sleeps `seconds`, returning early on a stop. */
  async sleep(seconds: number): Promise<void> {
    if (this.stopped || seconds <= 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, seconds * 1000);
      const off = this.onStop(done);
      function done() {
        clearTimeout(t);
        off();
        resolve();
      }
    });
  }

  /** Stops watching (signals go back to their default handling). */
  dispose(): void {
    clearInterval(this.#timer);
    process.off("SIGINT", this.#onSignal);
    process.off("SIGTERM", this.#onSignal);
  }
}

/**
 * Running plugin hooks under a timeout that truly abandons a hung hook: the hook races a timer, and when the
 * timer wins its `AbortSignal` is aborted and the caller moves on (upstream waited for the hook to finish
 * before reporting the timeout, defect 6). Also the health-check wrapper that never throws.
 */
import type { Plugin } from "./contracts/plugin.ts";
import { describeCause, HookTimeoutError } from "./errors.ts";
import { healthStatus, isHealthStatus, type HealthStatus } from "./health.ts";

/** Default timeout of `startup()` and `shutdown()` (SC-006). */
export const DEFAULT_LIFECYCLE_TIMEOUT_MS = 30_000;
/** Default timeout of `healthCheck()` (SC-007). */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 5_000;

/** Schedules a callback; returns a function that cancels it. Injectable so tests control time. */
export interface Timer {
  schedule(ms: number, fn: () => void): () => void;
}

/** The real timer. */
export const realTimer: Timer = {
  schedule(ms, fn) {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
};

/** How an abandoned hook eventually settled (reported after its timeout already fired). */
export type LateSettlement = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/** Options of {@link runHook}. */
export interface RunHookOptions {
  readonly timeoutMs: number;
  readonly timer?: Timer;
  /** Called if the hook settles after it was abandoned (e.g. to undo a late successful startup). */
  readonly onAbandonedSettle?: (result: LateSettlement) => void;
}

/**
 * Runs `fn(signal)` and resolves with its result, or rejects with {@link HookTimeoutError}
 * (`{hook}() timed out after {t}s`) as soon as `timeoutMs` elapses, aborting `signal` with that error.
 * A synchronous throw from `fn` becomes a rejection.
 */
export async function runHook<T>(hook: string, fn: (signal: AbortSignal) => T | Promise<T>, options: RunHookOptions): Promise<T> {
  const { timeoutMs, timer = realTimer } = options;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeout must be a positive number of ms, got ${timeoutMs}`);
  const controller = new AbortController();
  let timedOut = false;
  let cancel = (): void => {};
  const timeout = new Promise<never>((_, reject) => {
    cancel = timer.schedule(timeoutMs, () => {
      timedOut = true;
      const error = new HookTimeoutError(hook, timeoutMs);
      controller.abort(error);
      reject(error);
    });
  });
  const work = Promise.resolve().then(() => fn(controller.signal));
  // The abandoned hook keeps running; observe it so a late rejection is never unhandled.
  work.then(
    () => {
      if (timedOut) options.onAbandonedSettle?.({ ok: true });
    },
    (error: unknown) => {
      if (timedOut) options.onAbandonedSettle?.({ ok: false, error });
    },
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    cancel();
  }
}

/**
 * Runs `plugin.healthCheck()` under a timeout. Never throws: a timeout, an exception or an invalid answer
 * becomes an `unhealthy` status (`health_check() timed out after {t}s`, `health_check() raised exception: {e}`).
 */
export async function checkPluginHealth(plugin: Plugin, timeoutMs: number, timer: Timer = realTimer): Promise<HealthStatus> {
  try {
    const status = await runHook("health_check", () => plugin.healthCheck(), { timeoutMs, timer });
    return isHealthStatus(status) ? status : healthStatus("unhealthy", "health_check() returned an invalid status");
  } catch (e) {
    if (e instanceof HookTimeoutError) return healthStatus("unhealthy", e.message);
    return healthStatus("unhealthy", `health_check() raised exception: ${describeCause(e)}`, {
      exceptionType: e instanceof Error ? e.name : typeof e,
    });
  }
}

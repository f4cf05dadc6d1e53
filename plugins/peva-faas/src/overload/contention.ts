/**
 * Noisy-neighbour detection: was the platform starved of CPU by other work on its node during an iteration? Pure
 * (figures and settings in, verdict out); the figures come from the `platform_cpu_wait` / `platform_cpu_run`
 * queries, i.e. the run delay (`/proc/<pid>/schedstat`) and CPU time of the platform's processes.
 *
 * Why not simply `wait / (wait + run)`: at overload the platform starves itself — four busy workers on two cores
 * each wait half of the time with no neighbour at all — and every saturated iteration would be judged contended.
 * So the platform is entitled to at most the node's cores: starvation is the share of that entitlement it spent
 * waiting instead of running. While its demand fits the node, this is exactly `wait / (wait + run)`; beyond, it is
 * the share of the node that went to others although the platform wanted all of it.
 */

/** CPU figures of one iteration's load window. NaN = unknown. */
export interface CpuContentionFigures {
  /** CPU-seconds per second the platform's processes waited for a CPU while runnable (cores waited). */
  readonly waitCores: number;
  /** CPU-seconds per second the platform's processes ran (cores used). */
  readonly runCores: number;
  /** Cores of the platform's node. */
  readonly nodeCores: number;
}

/** The node queries the contention figures come from (recorded as contention, not as context). */
export const CONTENTION_QUERIES = ["platform_cpu_wait", "platform_cpu_run"] as const;

/**
 * The figures of one iteration from its node queries (`platform_cpu_wait`, `platform_cpu_run`, in cores) and the
 * node's cores; a query that gave nothing is NaN (unknown). Pure.
 */
export function contentionFiguresOf(nodeExtra: Readonly<Record<string, number>>, nodeCores: number): CpuContentionFigures {
  return { waitCores: nodeExtra["platform_cpu_wait"] ?? Number.NaN, runCores: nodeExtra["platform_cpu_run"] ?? Number.NaN, nodeCores };
}

/** The `contention` settings. */
export interface ContentionSettings {
  /** Starvation above this (0..1) makes an iteration contended. */
  readonly max_starvation: number;
  /** Re-runs of a contended iteration before its configuration fails. */
  readonly max_reruns: number;
}

/**
 * The smallest entitlement (cores) starvation is relative to: a platform that barely runs (rate 0, a few requests)
 * has tiny figures whose ratio is noise, and a few milliseconds of waiting change no verdict.
 */
export const MIN_ENTITLED_CORES = 0.05;

/**
 * Share (0..1) of the CPU the platform was entitled to — its demand `run + wait`, at most the node's cores — that it
 * did not get (divided by at least {@link MIN_ENTITLED_CORES}); NaN when a figure is unknown.
 */
export function cpuStarvation(f: CpuContentionFigures): number {
  if (!Number.isFinite(f.waitCores) || !Number.isFinite(f.runCores) || !Number.isFinite(f.nodeCores) || f.nodeCores <= 0) return Number.NaN;
  const run = f.runCores;
  const entitled = Math.min(run + f.waitCores, f.nodeCores);
  // What it was entitled to but did not get, over its entitlement (floored, so tiny figures stay small). Clamped:
  // rates of counters sampled at slightly different times can dip below 0 or overshoot.
  return Math.min(1, Math.max(0, (entitled - run) / Math.max(MIN_ENTITLED_CORES, entitled)));
}

/** The contention verdict of one iteration. */
export interface ContentionVerdict {
  /** {@link cpuStarvation}, NaN when unknown. */
  readonly starvation: number;
  /** Starvation known and above `max_starvation`: the iteration says nothing about the platform alone. */
  readonly contended: boolean;
}

/** Judges one iteration; an unknown starvation is never contended (platforms without a run delay still run). */
export function judgeContention(f: CpuContentionFigures, settings: Pick<ContentionSettings, "max_starvation">): ContentionVerdict {
  const starvation = cpuStarvation(f);
  // NaN (unknown) compares false: never contended.
  return { starvation, contended: starvation > settings.max_starvation };
}

/** Whether a contended iteration that has been re-run `reruns` times already gets another run. */
export function rerunsLeft(reruns: number, settings: Pick<ContentionSettings, "max_reruns">): boolean {
  return reruns < settings.max_reruns;
}

/**
 * Reading a process's CPU time, CPU wait and resident memory from Linux `/proc`, the same sources cAdvisor and
 * node-exporter use. Parsing is pure; the readers are the side-effecting edge and return `undefined` once the
 * process is gone (or on a system without `/proc`).
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of `utime`/`stime` (USER_HZ; 100 on every Linux ABI Node supports). */
export const CLK_TCK = 100;

/**
 * CPU seconds (utime + stime, fields 14 and 15) from the text of `/proc/<pid>/stat`. The command name (field 2)
 * may contain spaces and parentheses, so fields are counted after its last `)`.
 */
export function parseStatCpuSeconds(stat: string, clkTck: number = CLK_TCK): number | undefined {
  const end = stat.lastIndexOf(")");
  if (end < 0) return undefined;
  // After ") " the fields start at field 3 (state): utime is field 14, i.e. index 11 here.
  const fields = stat.slice(end + 2).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / clkTck;
}

/** Parent pid and state letter from `/proc/<pid>/stat` (for finding a process's children and zombies). */
export function parseStatParent(stat: string): { ppid: number; state: string } | undefined {
  const end = stat.lastIndexOf(")");
  if (end < 0) return undefined;
  const fields = stat.slice(end + 2).trim().split(/\s+/);
  const ppid = Number(fields[1]);
  if (!fields[0] || !Number.isInteger(ppid)) return undefined;
  return { ppid, state: fields[0] };
}

/** Resident set size in bytes from the text of `/proc/<pid>/status` (`VmRSS:  1234 kB`). */
export function parseStatusRssBytes(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/**
 * Seconds spent runnable but waiting on a run queue (the scheduler's `run_delay`, second field, nanoseconds) from
 * the text of `/proc/<pid>/schedstat`. It covers the task itself, i.e. a process's main thread — the one running
 * JavaScript, so the one whose wait delays requests.
 */
export function parseSchedstatWaitSeconds(schedstat: string): number | undefined {
  const fields = schedstat.trim().split(/\s+/);
  if (fields.length < 3) return undefined;
  const ns = Number(fields[1]);
  return Number.isFinite(ns) && ns >= 0 ? ns / 1e9 : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // ENOENT/ESRCH: the process exited between two reads; callers keep their last sample.
    return undefined;
  }
}

/** CPU seconds used so far by `pid`, or `undefined` when it no longer exists. */
export function readCpuSeconds(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : parseStatCpuSeconds(stat);
}

/**
 * Seconds the main thread of `pid` waited for a CPU while runnable, or `undefined` when it no longer exists (or
 * the kernel has no `CONFIG_SCHEDSTATS`/`CONFIG_SCHED_INFO`).
 */
export function readCpuWaitSeconds(pid: number): number | undefined {
  const text = read(`/proc/${pid}/schedstat`);
  return text === undefined ? undefined : parseSchedstatWaitSeconds(text);
}

/** Resident memory of `pid` in bytes, or `undefined` when it no longer exists (zombies have no VmRSS either). */
export function readRssBytes(pid: number): number | undefined {
  const status = read(`/proc/${pid}/status`);
  return status === undefined ? undefined : parseStatusRssBytes(status);
}

/** Parent pid and state of `pid`, or `undefined` when it no longer exists. */
export function readParent(pid: number): { ppid: number; state: string } | undefined {
  const stat = read(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : parseStatParent(stat);
}

/**
 * What `pulumi destroy` does with a campaign, in this order: stop a runner that is still running (never orphan
 * it), copy the DuckDB memory and the Parquet exports to `<output>/<stack>/memory/<host>/` and check the copy's row
 * counts against the original on the runner host, and only then, when opted in, delete the listed paths under
 * the allowed prefixes. A later step never runs when an earlier one failed, and every error names its step.
 */
import { mkdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cleanupRealpathQueries, resolveCleanupPath } from "@peva-lab/core";
import { memoryLocations, tableRowCounts } from "@peva-lab/peva-faas/runner";
import type { EngineLog } from "../engine-log.ts";
import { LocalTransport } from "../transport/local-transport.ts";
import type { RunnerProcess, RunnerTransport } from "../transport/runner-transport.ts";
import { parsePidFile, pidFilePath, runPaths, STOP_GRACE_MS } from "./run-rules.ts";

/**
 * A destroy step failed. Message: `destroy step '<step>' failed: <cause>` (plus what was already done).
 */
export class DestroyStepError extends Error {
  readonly step: string;
  constructor(step: string, cause: unknown, done: readonly string[]) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`destroy step '${step}' failed: ${reason}${done.length ? ` (already done: ${done.join("; ")})` : ""}`);
    this.name = "DestroyStepError";
    this.step = step;
  }
}

/** What the destroy needs to know about the run. */
export interface RetrievalInput {
  readonly host: string;
  /** Absolute runner workdir on the runner host. */
  readonly workdir: string;
  readonly outputRoot: string;
  readonly settings: Record<string, unknown>;
  readonly cleanup: { readonly memory: boolean; readonly paths: readonly string[] };
}

/** A runner found alive on its host. */
export interface LiveRunner {
  readonly runId: string;
  readonly specPath: string;
  readonly proc: RunnerProcess;
}

/** The runner recorded in `<workdir>/runner.pid`, when it is still alive (and still ours). */
export async function liveRunner(transport: RunnerTransport, workdir: string): Promise<LiveRunner | undefined> {
  const recorded = parsePidFile((await transport.readFrom(pidFilePath(workdir), 0)).toString("utf8"));
  if (!recorded) return undefined;
  const proc = { pid: recorded.pid, marker: recorded.specPath };
  return (await transport.isRunning(proc)) ? { runId: recorded.runId, specPath: recorded.specPath, proc } : undefined;
}

/** Stops a live runner: STOP file first, its process group killed after the grace. */
export async function stopLiveRunner(transport: RunnerTransport, workdir: string, live: LiveRunner, log: EngineLog, graceMs = STOP_GRACE_MS): Promise<void> {
  const { runId, proc } = live;
  await log.log("warning", `runner ${runId} (pid ${proc.pid}) is still running on ${transport.host}: stopping it before anything else`);
  await transport.touch(runPaths(workdir, runId).runnerStop);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await transport.isRunning(proc))) await sleep(250);
  if (await transport.isRunning(proc)) {
    await transport.kill(proc);
    await log.log("warning", `runner ${runId} did not stop within ${graceMs / 1000} s; its process group was killed`);
  }
}

/** The controller's own files (the copy side of every check). */
const controller = new LocalTransport("controller", ".");

/** Runs the destroy steps; see the module comment. */
export async function retrieveAndClean(transport: RunnerTransport, input: RetrievalInput, log: EngineLog): Promise<void> {
  const done: string[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const value = await fn();
      done.push(name);
      return value;
    } catch (e) {
      throw new DestroyStepError(name, e, done);
    }
  };
  const { workdir } = input;
  await step("stop the runner", async () => {
    const live = await liveRunner(transport, workdir);
    if (live) await stopLiveRunner(transport, workdir, live, log);
  });

  const memDir = resolve(input.outputRoot, "memory", input.host);
  const { dbPath, exportCoreDir, exportRawDebugDir } = memoryLocations(input.settings, workdir);
  await step("retrieve the memory", async () => {
    await mkdir(memDir, { recursive: true });
    if (!(await transport.exists(dbPath))) {
      await log.log("warning", `no memory file at ${dbPath} on ${input.host}: nothing to retrieve`);
      return;
    }
    // Into a fresh staging name (with its WAL, if any, and never a stale one), checked, then put in place: a failed
    // copy never replaces the last good one.
    const copy = join(memDir, "peva_faas.duckdb");
    const staged = join(memDir, `.peva_faas.duckdb.partial-${process.pid}`);
    await rm(staged, { force: true });
    await rm(`${staged}.wal`, { force: true });
    try {
      await transport.fetchFile(dbPath, staged);
      if (await transport.exists(`${dbPath}.wal`)) await transport.fetchFile(`${dbPath}.wal`, `${staged}.wal`);
      const [original, copied] = [await transport.memoryRowCounts(dbPath), await tableRowCounts(staged)];
      const differing = [...new Set([...Object.keys(original), ...Object.keys(copied)])].filter((t) => original[t] !== copied[t]);
      if (differing.length > 0) {
        throw new Error(`the copy of ${dbPath} differs from it: ${differing.map((t) => `${t} ${original[t] ?? "missing"} vs ${copied[t] ?? "missing"}`).join(", ")}`);
      }
      await rm(`${copy}.wal`, { force: true });
      if (await controller.exists(`${staged}.wal`)) await rename(`${staged}.wal`, `${copy}.wal`);
      await rename(staged, copy);
      await log.log("info", `memory retrieved to ${copy}, row counts verified (${Object.entries(copied).map(([t, n]) => `${t}=${n}`).join(", ")})`);
    } finally {
      await rm(staged, { force: true });
      await rm(`${staged}.wal`, { force: true });
    }
  });
  await step("retrieve the Parquet exports", async () => {
    // Core and debug exports, each where the memory settings put it; the copy must hold every file at its size.
    for (const [dir, name] of [[exportCoreDir, "parquet-core"], [exportRawDebugDir, "parquet-debug"]] as const) {
      if (!dir || !(await transport.exists(dir))) continue;
      const into = join(memDir, name);
      await transport.fetchTree(dir, into);
      const [original, copied] = [await transport.listTree(dir), await controller.listTree(into)];
      const byPath = new Map(copied.map((f) => [f.path, f.size]));
      const wrong = original.filter((f) => byPath.get(f.path) !== f.size).map((f) => `${f.path} (${f.size} B, copy ${byPath.get(f.path) ?? "missing"})`);
      if (wrong.length > 0) throw new Error(`the copy of ${dir} in ${into} is incomplete: ${wrong.slice(0, 10).join(", ")}`);
      await log.log("info", `${name}: ${original.length} file(s) retrieved to ${into}, sizes verified`);
    }
  });

  if (!input.cleanup.memory) return;
  await step("opt-in cleanup", async () => {
    // All or nothing: every path is checked before the first one is removed. Real paths (symlinks followed) are
    // resolved on the runner host, where the files are.
    const homedir = await transport.homeDir();
    const queries = cleanupRealpathQueries(input.cleanup.paths, { workdir, homedir });
    const answers = await transport.realPaths(queries);
    const real = new Map(queries.map((q, i) => [q, answers[i]!]));
    const realpath = (q: string): string => {
      const r = real.get(q);
      if (r === undefined) throw new Error(`internal: no real path resolved for ${q}`);
      return r;
    };
    const refused: string[] = [];
    const allowed: string[] = [];
    for (const p of input.cleanup.paths) {
      try {
        allowed.push(resolveCleanupPath(p, { workdir, homedir, realpath }));
      } catch (e) {
        refused.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (refused.length > 0) throw new Error(`cleanup refused (nothing was deleted):\n  ${refused.join("\n  ")}`);
    for (const p of allowed) {
      await transport.remove(p);
      await log.log("info", `cleanup: removed ${p}`);
    }
  });
}

/**
 * Implementation of the `BenchmarkRun` dynamic provider (runs in the dynamic-provider process, cwd = project).
 *
 * create/update: ship the run spec to the runner host, start the runner detached, follow its event stream
 * (progress to the Pulumi log), propagate a STOP (controller STOP file, or SIGINT/SIGTERM to this process) to the
 * runner's `<workdir>/STOP`, and return when the runner reports done / stopped / failed.
 * delete: copy the DuckDB memory to `<output>/<stack>/memory/<host>/`, verify the copy, then opt-in cleanup only.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { resolveCleanupPath } from "@peva-lab/core";
import { openEngineLog, type EngineLog } from "./engine-log.ts";
import { LocalTransport } from "./transport/local-transport.ts";
import type { RunnerProcess, RunnerTransport } from "./transport/runner-transport.ts";
import {
  formatDuration,
  parseEventLine,
  progressLine,
  memoryLocations,
  RUN_SPEC_SCHEMA,
  splitLines,
  summaryTable,
  verifyMemoryCopy,
  type RunCounts,
  type RunEvent,
  type RunSpec,
  type RunStatus,
} from "@peva-lab/peva-faas/runner";

/** Provider inputs. */
export interface BenchmarkRunInputs {
  readonly stack: string;
  readonly host: string;
  /** Runner workdir (relative to the project on the local stack). */
  readonly workdir: string;
  /** Controller output root of the stack, e.g. `output/local`. */
  readonly outputRoot: string;
  readonly platform: "local" | "openfaas";
  readonly gatewayUrl: string;
  readonly gatewayPassword: string;
  readonly prometheusUrl: string;
  readonly nodeCores: number;
  /** The workload settings: the campaign input. */
  readonly settings: Record<string, unknown>;
  /** Opt-in cleanup on destroy. */
  readonly cleanup: { readonly memory: boolean; readonly paths: readonly string[] };
  /** URN of this resource, so progress lines attach to it in `pulumi up`. */
  readonly logUrn: string;
  readonly providerVersion: string;
}

/** Provider outputs. */
export interface BenchmarkRunOutputs extends BenchmarkRunInputs {
  readonly runId: string;
  readonly status: RunStatus;
  readonly success: boolean;
  readonly counts: RunCounts;
  readonly message: string;
  readonly resultsDir: string;
  readonly resultsCsv: string;
  readonly memoryDb: string;
  readonly eventsFile: string;
  readonly stopFile: string;
  readonly frontier: readonly { functions: string; rates: Record<string, number> }[];
  readonly summary: string;
}

/** Seconds a stop may take before the runner is killed (the runner itself aims at 10 s). */
const STOP_GRACE_MS = 25_000;
/** A runner silent for this long is considered hung (progress-based watchdog, upstream defect 16). */
const SILENCE_LIMIT_MS = 15 * 60_000;
const POLL_MS = 250;

function transportFor(inputs: BenchmarkRunInputs): RunnerTransport {
  // Only the local transport exists so far; remote stacks get the SSH transport behind the same interface.
  return new LocalTransport(inputs.host, process.cwd());
}

/** The controller-side STOP file of a stack: `touch <outputRoot>/STOP` stops the running campaign. */
export function controllerStopFile(outputRoot: string): string {
  return resolve(outputRoot, "STOP");
}

function newRunId(stack: string): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  return `${stack}-${t}-${randomBytes(2).toString("hex")}`;
}

/** Create: run the campaign. */
export async function create(inputs: BenchmarkRunInputs): Promise<{ id: string; outs: BenchmarkRunOutputs }> {
  const outs = await runCampaign(inputs);
  return { id: outs.runId, outs };
}

/** Inputs that decide what a campaign measures; anything else (endpoints, opt-ins) is refreshed without a run. */
const CAMPAIGN_KEYS = ["settings", "workdir", "host", "platform", "providerVersion"] as const;

/** True when the last run must be followed by another: the campaign changed, or the run did not finish. */
export function needsRun(olds: BenchmarkRunOutputs, news: BenchmarkRunInputs): boolean {
  return olds.status !== "done" || CAMPAIGN_KEYS.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

/** Update: run again when {@link needsRun}; otherwise only refresh the non-campaign inputs. */
export async function update(olds: BenchmarkRunOutputs, news: BenchmarkRunInputs): Promise<{ outs: BenchmarkRunOutputs }> {
  if (!needsRun(olds, news)) return { outs: { ...olds, ...news } };
  return { outs: await runCampaign(news) };
}

/** Diff: any input change is an update (never a replace: the memory carries over between runs). */
export function diff(olds: BenchmarkRunOutputs, news: BenchmarkRunInputs) {
  const inputKeys = Object.keys(news) as (keyof BenchmarkRunInputs)[];
  const changed = inputKeys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
  const changes = changed.length > 0 || olds.status !== "done";
  return { changes, replaces: [], deleteBeforeReplace: false };
}

async function runCampaign(inputs: BenchmarkRunInputs): Promise<BenchmarkRunOutputs> {
  const transport = transportFor(inputs);
  const log = openEngineLog(inputs.logUrn);
  const workdir = resolve(inputs.workdir);
  const runId = newRunId(inputs.stack);
  const runDir = join(workdir, "runs", runId);
  const resultsDir = resolve(inputs.outputRoot, runId, inputs.host, "peva_faas");
  const stopFile = controllerStopFile(inputs.outputRoot);
  const runnerStop = join(workdir, "STOP");
  // A stale STOP from a previous run must not stop this one.
  await transport.remove(stopFile);
  await transport.remove(runnerStop);

  const passwordFile = join(runDir, "gateway-password");
  await transport.writeFile(passwordFile, inputs.gatewayPassword);
  const spec: RunSpec = {
    schema: RUN_SPEC_SCHEMA,
    run_id: runId,
    host: inputs.host,
    workdir,
    results_dir: resultsDir,
    run_dir: runDir,
    platform: inputs.platform,
    gateway: { url: inputs.gatewayUrl, user: "admin", password_file: passwordFile },
    prometheus: { url: inputs.prometheusUrl },
    node_cores: inputs.nodeCores,
    settings: inputs.settings,
  };
  const specPath = join(runDir, "spec.json");
  await transport.writeFile(specPath, `${JSON.stringify(spec, null, 2)}\n`);
  const eventsFile = join(runDir, "events.jsonl");
  await log.log("info", `run ${runId}: starting the campaign on ${inputs.host}; to stop it: touch ${stopFile}`);
  const proc = await transport.startRunner({ specPath, logPath: join(runDir, "runner.log"), workdir });

  try {
    const finished = await follow({ transport, proc, eventsFile, stopFile, runnerStop, log });
    const outs: BenchmarkRunOutputs = {
      ...inputs,
      runId,
      status: finished.status,
      success: finished.success,
      counts: finished.counts,
      message: finished.message,
      resultsDir,
      resultsCsv: join(resultsDir, "results.csv"),
      memoryDb: memoryLocations(inputs.settings, workdir).dbPath,
      eventsFile,
      stopFile,
      frontier: finished.frontier,
      summary: summaryTable(finished.counts, finished.frontier, finished.status),
    };
    await log.log(finished.status === "done" ? "info" : "warning", `run ${runId} ${finished.status}${finished.message ? `: ${finished.message}` : ""}\n${outs.summary}\nresults: ${outs.resultsCsv}\nmemory:  ${outs.memoryDb}`);
    return outs;
  } finally {
    log.close();
  }
}

interface Finished {
  status: RunStatus;
  success: boolean;
  counts: RunCounts;
  message: string;
  frontier: readonly { functions: string; rates: Record<string, number> }[];
}

/** Follows the event stream until the runner finishes, propagating stops; bounded by the silence watchdog. */
async function follow(opts: {
  transport: RunnerTransport;
  proc: RunnerProcess;
  eventsFile: string;
  stopFile: string;
  runnerStop: string;
  log: EngineLog;
}): Promise<Finished> {
  const { transport, proc, log } = opts;
  let offset = 0;
  let pending = "";
  let lastEventAt = Date.now();
  let stopSentAt: number | undefined;
  let signalled = false;
  const onSignal = () => {
    signalled = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const counts: RunCounts = { planned: 0, executed: 0, skipped: {}, overloaded: 0, failed: 0, iterations: 0 };
  try {
    for (;;) {
      const chunk = await transport.readFrom(opts.eventsFile, offset);
      offset += chunk.length;
      const { lines, rest } = splitLines(pending, chunk.toString("utf8"));
      pending = rest;
      for (const line of lines) {
        let event: RunEvent | undefined;
        try {
          event = parseEventLine(line);
        } catch (e) {
          await log.log("warning", `ignoring a malformed runner event: ${e instanceof Error ? e.message : String(e)}`);
          continue;
        }
        if (!event) continue;
        lastEventAt = Date.now();
        const done = await onEvent(event, counts, log);
        if (done) return done;
      }
      const stopRequested = signalled || (await transport.exists(opts.stopFile));
      if (stopRequested && stopSentAt === undefined) {
        stopSentAt = Date.now();
        await transport.touch(opts.runnerStop);
        await log.log("warning", "stop requested: asking the runner to stop (it checkpoints its memory first)");
      }
      const running = await transport.isRunning(proc);
      if (!running) {
        // Drain what the runner wrote before exiting.
        const tail = await transport.readFrom(opts.eventsFile, offset);
        const { lines: last } = splitLines(pending, `${tail.toString("utf8")}\n`);
        for (const line of last) {
          const event = safeParse(line);
          if (event) {
            const done = await onEvent(event, counts, log);
            if (done) return done;
          }
        }
        return {
          status: "failed",
          success: false,
          counts,
          message: "the runner exited without finishing (crashed or killed); the next `pulumi up` resumes from the memory",
          frontier: [],
        };
      }
      if (stopSentAt !== undefined && Date.now() - stopSentAt > STOP_GRACE_MS) {
        await transport.kill(proc);
        return { status: "stopped", success: false, counts, message: `the runner did not stop within ${STOP_GRACE_MS / 1000} s and was killed`, frontier: [] };
      }
      if (Date.now() - lastEventAt > SILENCE_LIMIT_MS) {
        await transport.touch(opts.runnerStop);
        await sleep(STOP_GRACE_MS);
        await transport.kill(proc);
        return { status: "failed", success: false, counts, message: `no event from the runner for ${formatDuration(SILENCE_LIMIT_MS / 1000)}: considered hung and killed`, frontier: [] };
      }
      await sleep(POLL_MS);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function safeParse(line: string): RunEvent | undefined {
  try {
    return parseEventLine(line);
  } catch {
    return undefined;
  }
}

async function onEvent(event: RunEvent, counts: RunCounts, log: EngineLog): Promise<Finished | undefined> {
  switch (event.type) {
    case "run_started":
      counts.planned = event.planned;
      await log.log("info", `campaign: ${event.planned} configurations planned, estimated ${formatDuration(event.estimated_s)}`);
      return undefined;
    case "progress":
      await log.log("info", progressLine(event), { ephemeral: true });
      return undefined;
    case "config_failed":
      await log.log("warning", `configuration ${event.config_id} failed (${event.reason}): ${event.message}`);
      return undefined;
    case "iteration_lost":
      await log.log("warning", `iteration ${event.iteration} of ${event.config_id} was lost in a crash and runs again: ${event.message}`);
      return undefined;
    case "log":
      await log.log(event.level === "warn" ? "warning" : event.level, event.message);
      return undefined;
    case "run_finished":
      Object.assign(counts, event.counts);
      return { status: event.status, success: event.success, counts: event.counts, message: event.message ?? "", frontier: event.frontier };
    default:
      return undefined;
  }
}

/** Read (refresh): the outputs describe a finished run; nothing to re-read. */
export function read(id: string, props: BenchmarkRunOutputs) {
  return { id, props };
}

/**
 * Delete (destroy): stop a runner that is somehow still running, copy the memory to
 * `<outputRoot>/memory/<host>/`, verify the copy, then, only when opted in, remove the listed paths under the
 * allowed prefixes. A refused path fails the destroy with the reason; nothing else is removed.
 */
export async function remove(outs: BenchmarkRunOutputs): Promise<void> {
  const transport = transportFor(outs);
  const log = openEngineLog(outs.logUrn);
  try {
    const workdir = resolve(outs.workdir);
    const memDir = resolve(outs.outputRoot, "memory", outs.host);
    await mkdir(memDir, { recursive: true });
    const db = outs.memoryDb;
    if (await transport.exists(db)) {
      const copy = join(memDir, "peva_faas.duckdb");
      await transport.fetchFile(db, copy);
      if (await transport.exists(`${db}.wal`)) await transport.fetchFile(`${db}.wal`, `${copy}.wal`);
      const counts = await verifyMemoryCopy(db, copy);
      await log.log("info", `memory retrieved to ${copy} (${Object.entries(counts).map(([t, n]) => `${t}=${n}`).join(", ")})`);
    } else {
      await log.log("warning", `no memory file at ${db}: nothing to retrieve`);
    }
    // Parquet exports, each where the memory settings put it (core and debug are configured separately).
    const { exportCoreDir, exportRawDebugDir } = memoryLocations(outs.settings, workdir);
    for (const [dir, name] of [[exportCoreDir, "parquet-core"], [exportRawDebugDir, "parquet-debug"]] as const) {
      if (dir && (await transport.exists(dir))) await copyTree(dir, join(memDir, name));
    }

    if (outs.cleanup.memory) {
      const refused: string[] = [];
      const allowed: string[] = [];
      for (const p of outs.cleanup.paths) {
        try {
          allowed.push(resolveCleanupPath(p, { workdir }));
        } catch (e) {
          refused.push(e instanceof Error ? e.message : String(e));
        }
      }
      for (const p of allowed) {
        await transport.remove(p);
        await log.log("info", `cleanup: removed ${p}`);
      }
      if (refused.length > 0) throw new Error(`cleanup refused (nothing else was deleted):\n  ${refused.join("\n  ")}`);
    }
  } finally {
    log.close();
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) await copyTree(src, dst);
    else if ((await stat(src)).isFile()) await copyFile(src, dst);
  }
}

/**
 * Implementation of the `BenchmarkRun` dynamic provider (runs in the dynamic-provider process, cwd = project):
 * the orchestration only. The rules live in `benchmark-run/run-rules.ts`, following a runner in
 * `benchmark-run/follow.ts`, the destroy steps in `benchmark-run/retrieval.ts`, and the host access behind
 * `transport/runner-transport.ts` (local child process, or SSH).
 *
 * create/update: ship the run spec to the runner host, start the runner detached in its own process group (or
 * re-attach to one that is still running there), follow it to its end, and bring its results to the controller.
 * delete: stop a live runner, retrieve and verify the memory, then the opt-in cleanup.
 */
import { randomBytes } from "node:crypto";
import { access, rm } from "node:fs/promises";
import { posix, resolve } from "node:path";
import { followerLimits, memoryLocations, RUN_SPEC_SCHEMA, summaryTable, type RunCounts, type RunSpec, type RunStatus } from "@peva-lab/peva-faas/runner";
import { openEngineLog, type EngineLog } from "./engine-log.ts";
import { followRun } from "./benchmark-run/follow.ts";
import type { AnalysisCompute } from "@peva-lab/peva-faas/report";
import { writeRunReport } from "./benchmark-run/report-step.ts";
import { liveRunner, retrieveAndClean, stopLiveRunner } from "./benchmark-run/retrieval.ts";
import { diffRun, needsRun, newRunId, runPaths, specRunsCampaign } from "./benchmark-run/run-rules.ts";
import { platformScrapeIntervalSeconds } from "../plan/lab-plan.ts";
import { onStopRequest } from "./provider-host/stop-request.ts";
import { LocalTransport } from "./transport/local-transport.ts";
import type { PinnedSshTarget } from "./transport/ssh-options.ts";
import { SshTransport } from "./transport/ssh-transport.ts";
import type { RunnerProcess, RunnerTransport } from "./transport/runner-transport.ts";

/** How the controller reaches a remote runner host (absent on the `local` stack). */
export type RunnerConnection = PinnedSshTarget;

/** Provider inputs. */
export interface BenchmarkRunInputs {
  readonly stack: string;
  /** Inventory name of the runner host. */
  readonly host: string;
  /** Runner workdir: relative to the project on the local stack, to the login user's home on remote hosts. */
  readonly workdir: string;
  /** Controller output root of the stack, e.g. `output/local`. */
  readonly outputRoot: string;
  readonly platform: "local" | "openfaas";
  /** Gateway and Prometheus URLs as the runner host sees them. */
  readonly gatewayUrl: string;
  readonly gatewayPassword: string;
  readonly prometheusUrl: string;
  readonly nodeCores: number;
  /**
   * The platform's size, limits and versions (`plan/platform-identity.ts`): shipped in the run spec as
   * `platform_identity`, part of the campaign identity, and a change makes a new run.
   */
  readonly platformIdentity: Readonly<Record<string, string | number | boolean>>;
  /** The workload settings: the campaign input. */
  readonly settings: Record<string, unknown>;
  /** Opt-in cleanup on destroy. */
  readonly cleanup: { readonly memory: boolean; readonly paths: readonly string[] };
  /** The analysis compute (governance resolved it from the stack config): what writes the report's Parquet files. */
  readonly analysis: AnalysisCompute;
  /** Remote runner hosts only. */
  readonly connection?: RunnerConnection;
  /** Remote runner hosts only: the SSH private key (a secret in the state). */
  readonly privateKey?: string;
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
  /** Controller-side results of the run (copied there from a remote runner host). */
  readonly resultsDir: string;
  readonly resultsCsv: string;
  /** The memory on the runner host. */
  readonly memoryDb: string;
  readonly eventsFile: string;
  readonly stopFile: string;
  readonly frontier: readonly { functions: string; rates: Record<string, number> }[];
  readonly summary: string;
  /** The campaign's offline HTML report on the controller, or "" when it could not be written (the log says why). */
  readonly report: string;
}

/** The transport for a run: SSH when the inputs carry a connection, this machine otherwise. */
function transportFor(inputs: Pick<BenchmarkRunInputs, "host" | "workdir" | "connection" | "privateKey">): RunnerTransport {
  if (!inputs.connection) return new LocalTransport(inputs.host, process.cwd());
  if (!inputs.privateKey) throw new Error(`internal: runner host ${inputs.host} has a connection but no private key`);
  const { host, port, user, knownHosts } = inputs.connection;
  return new SshTransport(inputs.host, { host, port, user }, { privateKey: inputs.privateKey, knownHosts }, inputs.workdir);
}

/** The controller-side STOP file of a stack: `touch <outputRoot>/STOP` stops the running campaign. */
function controllerStopFile(outputRoot: string): string {
  return resolve(outputRoot, "STOP");
}

/** Create: run the campaign. */
export async function create(inputs: BenchmarkRunInputs): Promise<{ id: string; outs: BenchmarkRunOutputs }> {
  const outs = await runCampaign(inputs);
  return { id: outs.runId, outs };
}

/**
 * Update: run again when the campaign changed or did not finish; otherwise only refresh the other inputs (and fetch
 * a finished remote run's results that an earlier copy failed to bring over).
 */
export async function update(olds: BenchmarkRunOutputs, news: BenchmarkRunInputs): Promise<{ outs: BenchmarkRunOutputs }> {
  if (needsRun(olds, news)) return { outs: await runCampaign(news) };
  if (news.connection && !(await access(olds.resultsDir).then(() => true, () => false))) {
    const report = await onRunnerHost(news, async (transport, log, workdir) => {
      await copyResults(transport, news, resultsDirOnHost(news, workdir, olds.runId), olds.resultsDir, log);
      return writeRunReport(olds.resultsDir, log, news.analysis);
    });
    return { outs: { ...olds, ...news, report } };
  }
  if (JSON.stringify(olds.analysis) !== JSON.stringify(news.analysis) && (await access(olds.resultsDir).then(() => true, () => false))) {
    // Another analysis compute or engine setting: the same results, analysed again.
    const log = openEngineLog(news.logUrn);
    try {
      return { outs: { ...olds, ...news, report: await writeRunReport(olds.resultsDir, log, news.analysis) } };
    } finally {
      log.close();
    }
  }
  return { outs: { ...olds, ...news } };
}

/** Diff: see {@link diffRun}. */
export function diff(olds: BenchmarkRunOutputs, news: BenchmarkRunInputs) {
  return diffRun(olds, news);
}

/** Read (refresh): the outputs describe a finished run; nothing to re-read. */
export function read(id: string, props: BenchmarkRunOutputs) {
  return { id, props };
}

/** Delete (destroy): see `benchmark-run/retrieval.ts`. */
export async function remove(outs: BenchmarkRunOutputs): Promise<void> {
  await onRunnerHost(outs, (transport, log, workdir) =>
    retrieveAndClean(transport, { host: outs.host, workdir, outputRoot: outs.outputRoot, settings: outs.settings, cleanup: outs.cleanup }, log),
  );
}

/** Runs `work` with the runner host's transport, the engine log and the absolute workdir; closes both afterwards. */
async function onRunnerHost<T>(inputs: BenchmarkRunInputs, work: (transport: RunnerTransport, log: EngineLog, workdir: string) => Promise<T>): Promise<T> {
  const transport = transportFor(inputs);
  const log = openEngineLog(inputs.logUrn);
  try {
    return await work(transport, log, await transport.resolvePath(inputs.workdir));
  } finally {
    log.close();
    await transport.close();
  }
}

async function runCampaign(inputs: BenchmarkRunInputs): Promise<BenchmarkRunOutputs> {
  // Latched from the start: a Ctrl+C while the run is being set up still stops it once it runs.
  let stopAsked = false;
  const unlisten = onStopRequest(() => {
    stopAsked = true;
  });
  try {
    return await onRunnerHost(inputs, (transport, log, workdir) => followCampaign(inputs, transport, log, workdir, () => stopAsked));
  } finally {
    unlisten();
  }
}

/** Starts the run (or re-attaches to it), follows it to its end, brings its results over. */
async function followCampaign(inputs: BenchmarkRunInputs, transport: RunnerTransport, log: EngineLog, workdir: string, stopAsked: () => boolean): Promise<BenchmarkRunOutputs> {
  const stopFile = controllerStopFile(inputs.outputRoot);
  const live = await liveRunner(transport, workdir);
  let runId: string;
  let proc: RunnerProcess;
  if (live && (await runsSameCampaign(transport, live.specPath, inputs))) {
    // A runner of an earlier `up` still runs this campaign (the provider was interrupted, or lost its host):
    // follow it, never start a second one beside it.
    ({ runId, proc } = live);
    await log.log("warning", `run ${runId} is still running on ${inputs.host} (pid ${proc.pid}): re-attaching to it`);
  } else {
    // A live runner of another campaign is stopped (it checkpoints) before this one starts.
    if (live) await stopLiveRunner(transport, workdir, live, log);
    runId = newRunId(inputs.stack, new Date(), randomBytes(2).toString("hex"));
    proc = await startRun(transport, inputs, workdir, runId, stopFile, log);
  }
  const paths = runPaths(workdir, runId);
  const remoteResults = resultsDirOnHost(inputs, workdir, runId);
  const finished = await followRun({
    transport,
    proc,
    eventsFile: paths.eventsFile,
    stopFile,
    runnerStop: paths.runnerStop,
    logPath: paths.logPath,
    log,
    limits: followerLimits(inputs.settings),
    stopRequested: async () => stopAsked() || (await access(stopFile).then(() => true, () => false)),
  });
  // The runner deletes the password file once read; this covers a runner that died before reading it.
  await transport.remove(paths.passwordFile);
  const resultsDir = controllerResultsDir(inputs, runId);
  await copyResults(transport, inputs, remoteResults, resultsDir, log);
  const outs: BenchmarkRunOutputs = {
    ...inputs,
    runId,
    status: finished.status,
    success: finished.success,
    counts: finished.counts,
    message: finished.message,
    resultsDir,
    resultsCsv: posix.join(resultsDir, "results.csv"),
    memoryDb: memoryLocations(inputs.settings, workdir).dbPath,
    eventsFile: paths.eventsFile,
    stopFile,
    frontier: finished.frontier,
    summary: summaryTable(finished.counts, finished.frontier, finished.status, finished.allOverloaded),
    report: await writeRunReport(resultsDir, log, inputs.analysis),
  };
  await log.log(
    finished.status === "done" ? "info" : "warning",
    `run ${runId} ${finished.status}${finished.message ? `: ${finished.message}` : ""}\n${outs.summary}\nresults: ${outs.resultsCsv}\nmemory:  ${outs.memoryDb} on ${inputs.host}` +
      (outs.report ? `\nreport:  ${outs.report}` : ""),
  );
  return outs;
}

/**
 * Copies a remote run's results to the controller (nothing to do on the local stack, where the runner writes them
 * there). A failure is reported, not fatal: the results stay on the host, and the next `up` tries again.
 */
async function copyResults(transport: RunnerTransport, inputs: BenchmarkRunInputs, remoteResults: string, resultsDir: string, log: EngineLog): Promise<void> {
  if (!inputs.connection || !(await transport.exists(remoteResults))) return;
  try {
    await transport.fetchTree(remoteResults, resultsDir);
  } catch (e) {
    await log.log("warning", `the results stay on ${inputs.host} at ${remoteResults} for now: copying them failed (${e instanceof Error ? e.message : String(e)}); the next \`pulumi up\` tries again`);
  }
}

/** Whether the live runner's spec runs the campaign of `inputs` (see {@link specRunsCampaign}). */
async function runsSameCampaign(transport: RunnerTransport, specPath: string, inputs: BenchmarkRunInputs): Promise<boolean> {
  return specRunsCampaign((await transport.readFrom(specPath, 0)).toString("utf8"), inputs);
}

/** Writes the spec and the gateway password (0600) and starts the runner. */
async function startRun(transport: RunnerTransport, inputs: BenchmarkRunInputs, workdir: string, runId: string, stopFile: string, log: EngineLog): Promise<RunnerProcess> {
  const paths = runPaths(workdir, runId);
  // A stale STOP from a previous run must not stop this one.
  await rm(stopFile, { force: true });
  await transport.remove(paths.runnerStop);
  await transport.writeFile(paths.passwordFile, inputs.gatewayPassword);
  const spec: RunSpec = {
    schema: RUN_SPEC_SCHEMA,
    run_id: runId,
    host: inputs.host,
    workdir,
    results_dir: resultsDirOnHost(inputs, workdir, runId),
    run_dir: paths.runDir,
    platform: inputs.platform,
    gateway: { url: inputs.gatewayUrl, user: "admin", password_file: paths.passwordFile },
    prometheus: { url: inputs.prometheusUrl, scrape_interval_seconds: platformScrapeIntervalSeconds(inputs.platform) },
    node_cores: inputs.nodeCores,
    platform_identity: { ...inputs.platformIdentity },
    settings: inputs.settings,
  };
  await transport.writeFile(paths.specPath, `${JSON.stringify(spec, null, 2)}\n`);
  await log.log("info", `run ${runId}: starting the campaign on ${inputs.host}; to stop it: touch ${stopFile}`);
  return transport.startRunner({ specPath: paths.specPath, logPath: paths.logPath, pidFile: paths.pidFile, workdir });
}

/** Results on the controller: `<outputRoot>/<run>/<host>/peva_faas`. */
function controllerResultsDir(inputs: BenchmarkRunInputs, runId: string): string {
  return resolve(inputs.outputRoot, runId, inputs.host, "peva_faas");
}

/**
 * Results where the runner writes them: on the local stack straight into the controller's output; on a remote
 * host under `<workdir>/benchmark_results/peva_faas/<run>` (inside the cleanup guard's default prefix), copied
 * to the controller when the run ends.
 */
function resultsDirOnHost(inputs: BenchmarkRunInputs, workdir: string, runId: string): string {
  return inputs.connection ? posix.join(workdir, "benchmark_results", "peva_faas", runId) : controllerResultsDir(inputs, runId);
}

/**
 * `peva-faas run --spec <file>` and `peva-faas plan --spec <file>`: the campaign runner's command line. The same
 * code runs on every runner host; `BenchmarkRun` starts it and follows its events.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError, parseWorkloadConfig, type WorkloadConfig } from "../config/parse.ts";
import { planCampaign, formatPlanTable } from "../plan/plan.ts";
import { outputLayout } from "../results/naming.ts";
import { createConfiguredMemoryEngine } from "../memory/open.ts";
import { resolveMemoryPaths } from "../memory/config.ts";
import { withCheckpoint } from "../memory/engine.ts";
import { memoryCommand } from "../memory/migrate.ts";
import { createPolicy, createScheduler } from "../scheduling/factory.ts";
import { PrometheusClient } from "../prometheus/client.ts";
import { loadQueriesFile, resolveQueriesPath } from "../prometheus/files.ts";
import { activeQueries } from "../prometheus/queries.ts";
import { checkQuerySeries } from "../prometheus/series-check.ts";
import { durationMilliseconds } from "../config/duration.ts";
import { campaignId, campaignIdentityOf } from "./campaign.ts";
import { EVENTS_SCHEMA, HEARTBEAT_INTERVAL_S } from "./events.ts";
import { executeCampaign, type CampaignOutcome } from "./executor.ts";
import { basicAuthorization } from "./gateway.ts";
import { generatorEnvironment, loadGenerator } from "./generator.ts";
import { createLoadStep } from "./load-step.ts";
import { preflight } from "./preflight.ts";
import { writeRunMetadata } from "./run-metadata.ts";
import { EventSink } from "./sink.ts";
import { identityFunctionImages, readRunSpec, type RunSpec } from "./spec.ts";
import { StopToken } from "./stop.ts";

const USAGE = [
  "usage: peva-faas run --spec <run-spec.json>",
  "       peva-faas plan --spec <run-spec.json | settings.yaml>",
  "       peva-faas memory migrate --db <memory.duckdb>",
  "       peva-faas memory counts --db <memory.duckdb>",
  "       peva-faas memory forget --db <memory.duckdb> --campaign <campaign-id>",
].join("\n");

/** Exit codes of `peva-faas run`. */
export const EXIT = { done: 0, failed: 1, usage: 2, stopped: 3, incomplete: 4 } as const;

/** Entry point; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, flag, file] = argv;
  if (command === "memory") return memoryCommand(argv.slice(1));
  if ((command !== "run" && command !== "plan") || flag !== "--spec" || !file) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  return command === "plan" ? planCommand(file) : runCommand(file);
}

/** The workload config of a run spec (its endpoints and query set come from the spec itself, not the settings). */
export function workloadConfigOf(spec: RunSpec): WorkloadConfig {
  return parseWorkloadConfig(spec.settings).config;
}

async function planCommand(file: string): Promise<number> {
  const text = readFileSync(file, "utf8");
  const doc = (file.endsWith(".json") ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
  const settings = typeof doc["schema"] === "string" ? (doc["settings"] as Record<string, unknown>) : doc;
  let parsed: ReturnType<typeof parseWorkloadConfig>;
  try {
    parsed = parseWorkloadConfig(settings);
  } catch (e) {
    // A refused config (a grid too large, a typo) is an answer, not a crash: every issue, no stack trace.
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return EXIT.failed;
  }
  const { config, warnings } = parsed;
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const plan = planCampaign(config);
  process.stdout.write(`${formatPlanTable(plan)}\n`);
  return EXIT.done;
}

async function runCommand(file: string): Promise<number> {
  const spec = await readRunSpec(resolve(file));
  mkdirSync(spec.run_dir, { recursive: true });
  mkdirSync(spec.results_dir, { recursive: true });
  const sink = new EventSink(join(spec.run_dir, "events.jsonl"), spec.run_id);
  const mirror = new EventSink(join(spec.results_dir, "events.jsonl"), spec.run_id, false);
  const emit: EventSink["emit"] = (e) => {
    sink.emit(e);
    mirror.emit(e);
  };
  const stop = new StopToken(join(spec.workdir, "STOP"));
  // Liveness for the follower, also while one iteration loads or cools down for minutes (the controller's watchdog
  // is derived from this interval, not from how long a step may take).
  const heartbeat = setInterval(() => emit({ type: "heartbeat", interval_s: HEARTBEAT_INTERVAL_S, pid: process.pid }), HEARTBEAT_INTERVAL_S * 1000);
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let outcome: CampaignOutcome | undefined;
  let failure: string | undefined;
  let memoryDb = "";
  try {
    const config = workloadConfigOf(spec);
    memoryDb = resolveMemoryPaths(config.memory, spec.workdir).dbPath;
    outcome = await run(spec, config, { emit } as EventSink, stop, log);
  } catch (e) {
    failure = e instanceof Error ? (e.stack ?? e.message) : String(e);
    log(`run failed: ${failure}`);
  }
  clearInterval(heartbeat);
  const status = outcome?.status ?? "failed";
  const counts = outcome?.counts ?? { planned: 0, executed: 0, skipped: {}, overloaded: 0, failed: 0, iterations: 0 };
  emit({
    type: "run_finished",
    status,
    success: outcome?.success ?? false,
    counts,
    results_dir: spec.results_dir,
    memory_db: memoryDb,
    message: outcome?.message ?? (failure ? failure.split("\n")[0]! : ""),
    frontier: outcome?.frontier ?? [],
    all_overloaded: outcome?.allOverloaded ?? [],
  });
  const code = EXIT[status];
  writeFileSync(join(spec.run_dir, "status.json"), `${JSON.stringify({ status, exit_code: code, finished_at: new Date().toISOString() })}\n`);
  sink.close();
  mirror.close();
  stop.dispose();
  return code;
}

async function run(spec: RunSpec, config: WorkloadConfig, sink: EventSink, stop: StopToken, log: (l: string) => void): Promise<CampaignOutcome> {
  const auth = { user: spec.gateway.user, password: readPassword(spec.gateway.password_file) };
  const { user: prometheusUser, password_file: prometheusPasswordFile } = spec.prometheus;
  const prometheusAuth =
    prometheusUser !== undefined && prometheusPasswordFile !== undefined
      ? { user: prometheusUser, password: readPassword(prometheusPasswordFile) }
      : undefined;
  // Read every password before deleting any: the two may be one file.
  removeRunPasswordFiles([spec.gateway.password_file, prometheusPasswordFile], spec.run_dir);
  const projectDir = findProjectDir(spec.workdir);
  const generator = await loadGenerator(config.loadgen, projectDir);
  const path = (process.env["PATH"] ?? "").split(delimiter).filter(Boolean);
  const { generator: generatorIdentity, functionImages } = await preflight({
    gatewayUrl: spec.gateway.url,
    auth,
    prometheusUrl: spec.prometheus.url,
    prometheusAuth,
    generator,
    path,
    functions: config.functions.map((f) => f.name),
    images: identityFunctionImages(spec.platform_identity),
  });
  const prometheus = new PrometheusClient(spec.prometheus.url, {
    timeoutMs: config.prometheus.request_timeout_seconds * 1000,
    emptyResultAttempts: config.prometheus.empty_result_attempts,
    emptyResultIntervalMs: config.prometheus.empty_result_interval_seconds * 1000,
    authorization: prometheusAuth ? basicAuthorization(prometheusAuth) : undefined,
  });
  const queriesPath = resolveQueriesPath(config.queries_path, spec.platform);
  const queries = loadQueriesFile(queriesPath, { scaphandre: config.scaphandre_enabled });
  log(`checking that Prometheus has a series for every query of ${queriesPath}`);
  await checkQuerySeries(prometheus, {
    queries: activeQueries(queries, config.scaphandre_enabled),
    functions: config.functions.map((f) => f.name),
    pidRegexes: config.function_pid_regexes,
    queriesPath,
    scrapeIntervalSeconds: spec.prometheus.scrape_interval_seconds ?? 1,
    waitSeconds: spec.prometheus.series_wait_seconds,
  });
  const plan = planCampaign(config);
  const id = campaignId(campaignIdentityOf(spec, config, generatorIdentity));
  writeRunMetadata(outputLayout(spec.results_dir).runMetadata, { spec, campaignId: id, generator: generatorIdentity, config, functionImages });
  sink.emit({ type: "run_started", schema: EVENTS_SCHEMA, planned: plan.count, host: spec.host, estimated_s: Math.round(plan.estimate.expectedSeconds) });
  log(`campaign ${id}: ${plan.count} configurations × ${config.iterations} iterations of ${config.duration}`);

  const policy = await createPolicy(config.algorithm_entrypoint, { selection: config }, { projectDir, entrypointDirs: config.entrypoint_dirs });
  const memory = createConfiguredMemoryEngine(config.memory, {
    workdir: spec.workdir,
    session: {
      runId: spec.run_id,
      campaignId: id,
      startedAt: Date.now() / 1000,
      mode: config.selection_mode,
      batchSizeN: config.micro_batch_size,
      batchWindowS: config.micro_batch_window_s,
      configHash: id,
      gitRev: null,
      loadgen: `${generatorIdentity.name} ${generatorIdentity.version}`,
      // The memory stores nanoseconds whatever results.csv uses (run.json records results.csv's unit).
      latencyUnit: "ns",
    },
    policy,
  });
  await memory.startup();
  let outcome: CampaignOutcome | undefined;
  try {
    outcome = await withCheckpoint(memory, async () => {
      const scheduler = await createScheduler(
        config.scheduler,
        { configurations: plan.configurations(), known: memory.verdicts().map((v) => ({ config: v.config, overloaded: v.overloaded })) },
        { projectDir, entrypointDirs: config.entrypoint_dirs },
      );
      const load = createLoadStep({
        generator,
        identity: generatorIdentity,
        functions: config.functions,
        gatewayUrl: spec.gateway.url,
        durationSeconds: config.duration_seconds,
        requestTimeoutSeconds: durationMilliseconds(config.loadgen.request_timeout) / 1000,
        workRoot: join(spec.results_dir, "loadgen"),
        env: generatorEnvironment(process.env),
        stop,
        keepFiles: config.results.keep_generator_files,
      });
      return executeCampaign({ spec, config, plan, campaignId: id, memory, scheduler, policy, prometheus, queries, load, gatewayAuth: auth, sink, stop, log });
    });
    return outcome;
  } finally {
    await memory.finishSession(outcome?.status ?? "failed").catch((e: unknown) => log(`closing the session failed: ${String(e)}`));
    await memory.close();
  }
}

/** The peva-lab checkout the runner belongs to (for custom entrypoints resolved "from the project"). */
function findProjectDir(start: string): string {
  let dir = resolve(import.meta.dirname, "../../../..");
  if (existsSync(join(dir, "package.json"))) return dir;
  dir = start;
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  return start;
}

/** A password from its file (surrounding white space dropped). */
function readPassword(file: string): string {
  return readFileSync(file, "utf8").trim();
}

/**
 * Deletes the password files that lie in the run's own directory: the controller wrote them for this run, and once
 * read they are not needed, so they do not outlive the first seconds of the run. A file elsewhere is the user's
 * and stays.
 */
function removeRunPasswordFiles(files: readonly (string | undefined)[], runDir: string): void {
  for (const file of files) {
    if (file !== undefined && resolve(dirname(file)) === resolve(runDir)) rmSync(file, { force: true });
  }
}

/**
 * The campaign executor: selects configurations through the scheduler and the policy, runs each iteration
 * (cooldown → load → replicas → Prometheus over the load window → overload verdict), writes the result files
 * incrementally and records every event in the memory. It depends only on the contracts (memory engine, scheduler,
 * policy, Prometheus querier, load step) and on the stop token, which it checks before and during every step.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadRunResult } from "@peva-lab/core";
import type { WorkloadConfig } from "../config/parse.ts";
import type { ExecutionEvent, LoadReport, MemoryEngine } from "../memory/contracts.ts";
import type { Configuration } from "../model.ts";
import { idleBaselineProblems, nodeOverload, type FunctionObservation } from "../overload/rules.ts";
import { settledOverload } from "../overload/early-abort.ts";
import { contentionFiguresOf, CONTENTION_QUERIES, judgeContention, rerunsLeft } from "../overload/contention.ts";
import { collectIterationMetrics, collectNodeSnapshot, nodeContextFigures, type NodeMetrics } from "../prometheus/collect.ts";
import { snapshotWindowSeconds } from "../prometheus/window.ts";
import type { PrometheusQuerier, QuerySet } from "../prometheus/index.ts";
import { nextCooldownStep } from "../cooldown/decide.ts";
import { runCooldown } from "../cooldown/manager.ts";
import type { CampaignPlan } from "../plan/plan.ts";
import { isConfigOverloaded, settledConfigVerdict } from "../plan/dominance.ts";
import {
  buildIndexRow,
  buildLongRows,
  buildMetricsRow,
  buildResultRow,
  buildSkippedRow,
  DFAAS_LATENCY_UNIT,
  dfaasReadmeText,
  IndexCsvWriter,
  metricsFileName,
  metricsHeader,
  openResultsCsv,
  openResultsLongCsv,
  openSkippedCsv,
  outputLayout,
  summaryFileName,
  type ContentionFigures,
  type IterationOutcome,
} from "../results/index.ts";
import type { ConfigScheduler, PolicyAlgorithm } from "../scheduling/contracts.ts";
import { selectBatch } from "../scheduling/policy.ts";
import { frontierOf } from "./campaign.ts";
import { allOverloadedSetsOf } from "./all-overloaded.ts";
import { BaselineOverloadedError, ConfigFailure, ContendedError, failureReason } from "./errors.ts";
import type { AllOverloadedSet, RunCounts, RunStatus } from "./events.ts";
import { fetchReplicas, scaleFunctions, type GatewayAuth } from "./gateway.ts";
import type { LoadStep, LoadWatch } from "./load-step.ts";
import { CampaignEta } from "./eta.ts";
import type { EventSink } from "./sink.ts";
import type { RunSpec } from "./spec.ts";
import type { StopToken } from "./stop.ts";


/** Seconds of trailing window an idle snapshot needs at the platform Prometheus's scrape interval (1 s when unknown). */
function snapshotWindow(spec: RunSpec): number {
  return snapshotWindowSeconds(spec.prometheus.scrape_interval_seconds ?? 1);
}
/** Everything the executor works with. */
export interface ExecutorEnv {
  readonly spec: RunSpec;
  readonly config: WorkloadConfig;
  readonly plan: CampaignPlan;
  readonly campaignId: string;
  readonly memory: MemoryEngine;
  readonly scheduler: ConfigScheduler;
  readonly policy: PolicyAlgorithm;
  readonly prometheus: PrometheusQuerier;
  readonly queries: QuerySet;
  /** Runs the load of one iteration through the configured load-generator plugin. */
  readonly load: LoadStep;
  readonly gatewayAuth: GatewayAuth;
  readonly sink: EventSink;
  readonly stop: StopToken;
  /** Writes a line to the runner log (stderr). */
  readonly log: (line: string) => void;
}

/** How the campaign ended. */
export interface CampaignOutcome {
  readonly status: RunStatus;
  readonly success: boolean;
  readonly counts: RunCounts;
  readonly message: string;
  readonly frontier: { functions: string; rates: Record<string, number> }[];
  /** Function sets where every measured configuration overloaded. */
  readonly allOverloaded: AllOverloadedSet[];
}

/** Thrown inside an iteration when a stop arrives; ends the campaign as `stopped`. */
class Stopped extends Error {}

/** Runs the campaign to completion, failure of every step, or a stop. Never throws for a configuration failure. */
export async function executeCampaign(env: ExecutorEnv): Promise<CampaignOutcome> {
  const { spec, config, plan, memory, sink, stop } = env;
  const allFunctions = config.functions.map((f) => f.name).sort();
  const layout = outputLayout(spec.results_dir);
  for (const d of [layout.dir, layout.metricsDir, layout.summariesDir]) mkdirSync(d, { recursive: true });
  const results = openResultsCsv(layout.results, allFunctions);
  const dfaasResults = openResultsCsv(layout.dfaasResults, allFunctions);
  writeFileSync(layout.dfaasReadme, dfaasReadmeText());
  const resultsLong = openResultsLongCsv(layout.resultsLong);
  const skipped = openSkippedCsv(layout.skipped, allFunctions);
  const index = new IndexCsvWriter(layout.index);
  // `contended` appears with the first contended iteration (it is optional in RunCounts; absent = none).
  const counts: RunCounts = { planned: plan.count, executed: 0, skipped: {}, overloaded: 0, failed: 0, iterations: 0 };
  const startedAt = Date.now();
  let doneConfigs = 0;
  const eta = new CampaignEta(plan.estimate.expectedSeconds, plan.count, config.iterations);

  const progress = (current?: string) => {
    const eta_s = eta.remainingSeconds(plan.count - doneConfigs);
    sink.emit({ type: "progress", done: doneConfigs, total: plan.count, eta_s, ...(current ? { current } : {}) });
  };
  const recordSkip = async (c: Configuration, reason: string) => {
    counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
    doneConfigs++;
    skipped.append(buildSkippedRow(allFunctions, c.pairs, reason));
    sink.emit({ type: "config_skipped", config_id: c.id, pairs: c.pairs, reason });
    await memory.ingestEvent(skipEvent(env, c, "skipped", reason));
  };

  try {
    // Baseline idle snapshot, once per run (instant queries over a trailing window): at least a snapshot's window
    // (a rate() needs two samples), and at least the load's duration.
    const baselineWindow = `${Math.max(snapshotWindow(env.spec), Math.ceil(config.duration_seconds))}s`;
    const measureBaseline = async (): Promise<NodeMetrics> => {
      const b = await collectNodeSnapshot(env.prometheus, env.queries, baselineWindow, { scaphandre: config.scaphandre_enabled });
      env.log(`baseline: cpu ${b.cpu_usage_node_pct.toFixed(1)} % of capacity, ram ${b.ram_usage_node_pct.toFixed(1)} %`);
      return b;
    };
    let baseline = await measureBaseline();
    // Checked before the first load, not here: a resumed campaign with nothing left to run has nothing to protect.
    let busy = idleBaselineProblems(baseline, config.overload);
    const desiredSize = config.selection_mode === "micro_batch" ? config.micro_batch_size : 1;
    progress();

    for (;;) {
      if (stop.stopped) throw new Stopped(stop.reason);
      const selection = await selectBatch({
        scheduler: env.scheduler,
        policy: env.policy,
        ctx: { isSeen: (id) => memory.isSeen(id) },
        desiredSize,
        features: memory,
      });
      for (const s of selection.skipped) await recordSkip(s.config, s.reason);
      if (selection.selected.length === 0) {
        if (selection.done) break;
        continue;
      }
      // A platform that has just started (or a machine briefly busy) settles: measure again, within the cooldown's
      // bound, before calling the node busy.
      for (let waited = 0, next = nextCooldownStep(busy.length === 0, 0, config.cooldown); next.action === "sleep"; ) {
        env.log(`the idle node is busy (${busy.join("; ")}): measuring the baseline again in ${next.seconds} s`);
        await stop.sleep(next.seconds);
        if (stop.stopped) throw new Stopped(stop.reason);
        waited += next.seconds;
        baseline = await measureBaseline();
        busy = idleBaselineProblems(baseline, config.overload);
        next = nextCooldownStep(busy.length === 0, waited, config.cooldown);
      }
      if (busy.length > 0) throw new BaselineOverloadedError(busy);
      for (const c of selection.selected) {
        if (stop.stopped) throw new Stopped(stop.reason);
        const t0 = Date.now();
        const position = doneConfigs + 1;
        const verdict = await runConfiguration(env, c, position, baseline, { allFunctions, layout, results, dfaasResults, resultsLong, counts, progress, index });
        if (verdict === "failed") {
          counts.failed++;
          env.scheduler.observe({ config: c, status: "failed" });
        } else {
          counts.executed++;
          if (verdict.overloaded) counts.overloaded++;
          env.scheduler.observe({ config: c, status: "done", overloaded: verdict.overloaded });
        }
        doneConfigs++;
        if (verdict !== "failed") eta.observe((Date.now() - t0) / 1000, verdict.ran);
        progress();
      }
    }
    progress(); // the last word on progress, also when the campaign ended with skips
    // Failed configurations have no verdict: the campaign is not done, and the next run retries them.
    if (counts.failed > 0) {
      return finish(env, "incomplete", counts, false, `${counts.failed} configuration(s) failed and have no verdict; the next run retries them`, startedAt);
    }
    return finish(env, "done", counts, true, "", startedAt);
  } catch (e) {
    if (e instanceof Stopped || stop.stopped) return finish(env, "stopped", counts, false, `stopped: ${stop.reason || (e as Error).message}`, startedAt);
    throw e;
  } finally {
    results.close();
    dfaasResults.close();
    resultsLong.close();
    skipped.close();
    index.close();
  }
}

function finish(env: ExecutorEnv, status: RunStatus, counts: RunCounts, success: boolean, message: string, startedAt: number): CampaignOutcome {
  counts.wall_seconds = Math.round((Date.now() - startedAt) / 100) / 10;
  if (counts.load_seconds !== undefined) counts.load_seconds = Math.round(counts.load_seconds * 10) / 10;
  const verdicts = env.memory.verdicts();
  const frontier = frontierOf(verdicts);
  const allOverloaded = allOverloadedSetsOf(verdicts);
  env.log(`campaign ${status} after ${Math.round((Date.now() - startedAt) / 1000)} s${message ? `: ${message}` : ""}`);
  return { status, success, counts, message, frontier, allOverloaded };
}

interface ConfigContext {
  readonly allFunctions: readonly string[];
  readonly layout: ReturnType<typeof outputLayout>;
  readonly results: ReturnType<typeof openResultsCsv>;
  /** `dfaas/results.csv`: the same rows, latencies in ns. */
  readonly dfaasResults: ReturnType<typeof openResultsCsv>;
  readonly resultsLong: ReturnType<typeof openResultsLongCsv>;
  readonly counts: RunCounts;
  readonly index: IndexCsvWriter;
  readonly progress: (current?: string) => void;
}

/**
 * Runs the missing iterations of one configuration (all of them, or the rest after a crash) and completes it.
 * Returns the verdict, or "failed" (recorded, campaign continues). Throws {@link Stopped} on a stop.
 */
async function runConfiguration(
  env: ExecutorEnv,
  config: Configuration,
  position: number,
  baseline: NodeMetrics,
  ctx: ConfigContext,
): Promise<{ overloaded: boolean; ran: number } | "failed"> {
  const { memory, sink, stop } = env;
  const iterations = env.config.iterations;
  const label = config.pairs.map((p) => `${p.name}=${p.rate}`).join(", ");
  sink.emit({ type: "config_started", config_id: config.id, pairs: config.pairs, index: position, total: env.plan.count });
  ctx.progress(label);

  // Resume: iterations already in the memory (a crash or stop interrupted this configuration) are not run again.
  const previous = (await memory.eventsOf(config.id)).filter((e) => e.status === "executed");
  const doneIterations = new Map<number, boolean>();
  for (const e of previous) doneIterations.set(e.iteration, Number(e.resultRow?.["overloaded_node"] ?? 0) === 1);
  if (doneIterations.size > 0 && doneIterations.size < iterations) {
    const lost = Math.max(...doneIterations.keys()) + 1;
    sink.emit({ type: "iteration_lost", config_id: config.id, iteration: lost, message: `resuming after iteration ${lost - 1} of ${iterations}` });
  }

  let ran = 0;
  let judged = iterations;
  const { max_reruns: maxReruns, max_starvation: maxStarvation } = env.config.contention;
  try {
    for (let iteration = 1; iteration <= iterations; iteration++) {
      // Iterations 1..iteration-1 are judged here (run now or found in the memory): stop once they decide the verdict.
      if (env.config.decide_early && settledAfter(doneIterations, iteration - 1, iterations) !== undefined) {
        judged = iteration - 1;
        break;
      }
      if (doneIterations.has(iteration)) continue;
      // A contended iteration runs again, at most max_reruns times; then the configuration fails as `contended`.
      for (let rerun = 0; rerun <= maxReruns; rerun++) {
        if (stop.stopped) throw new Stopped(stop.reason);
        const result = await runIteration(env, config, iteration, baseline, ctx);
        ran++;
        if (result.kind === "judged") {
          doneIterations.set(iteration, result.overloaded);
          break;
        }
        const again = rerunsLeft(rerun, env.config.contention);
        sink.emit({
          type: "iteration_contended",
          config_id: config.id,
          iteration,
          rerun,
          starvation: Math.round(result.starvation * 1000) / 1000,
          max_starvation: maxStarvation,
          will_rerun: again,
        });
        const message =
          `${config.id} (${label}) iteration ${iteration}: contended, CPU starvation ${result.starvation.toFixed(3)} > ${maxStarvation} ` +
          `(other work on the node); ${again ? `re-run ${rerun + 1} of ${maxReruns}` : "no re-run left"}`;
        env.log(message);
        sink.emit({ type: "log", level: "warn", message });
        if (!again) throw new ContendedError(iteration, rerun, result.starvation, maxStarvation);
      }
    }
  } catch (e) {
    if (e instanceof Stopped || stop.stopped) throw new Stopped(stop.reason);
    const failure = e instanceof ConfigFailure ? e : new ConfigFailure(failureReason(e), e instanceof Error ? e.message : String(e), { cause: e });
    sink.emit({ type: "config_failed", config_id: config.id, reason: failure.reason, message: failure.message });
    env.log(`configuration ${config.id} (${label}) failed: ${failure.reason}: ${failure.message}`);
    await memory.ingestEvent(skipEvent(env, config, "failed", failure.reason));
    return "failed";
  }
  const overloadCount = [...doneIterations].filter(([k, o]) => k <= judged && o).length;
  const overloaded = judged < iterations ? settledConfigVerdict(overloadCount, judged, iterations)! : isConfigOverloaded(overloadCount, iterations);
  if (judged < iterations) await recordNotNeeded(env, config, judged, overloadCount, ctx.counts);
  await memory.completeConfig({ config, iterations, judged, overloadCount, overloaded });
  ctx.index.append(buildIndexRow(config.pairs));
  sink.emit({ type: "config_done", config_id: config.id, overloaded });
  return { overloaded, ran };
}

/** The verdict once iterations 1..judged (all in `done`) are judged, when the iterations left cannot change it. */
function settledAfter(done: ReadonlyMap<number, boolean>, judged: number, iterations: number): boolean | undefined {
  if (judged === 0) return undefined;
  let overloads = 0;
  for (let k = 1; k <= judged; k++) if (done.get(k)) overloads++;
  return settledConfigVerdict(overloads, judged, iterations);
}

/**
 * Records the iterations a configuration decided early did not run, as `not_needed` events with the decision, so
 * the memory says why they are missing.
 */
async function recordNotNeeded(env: ExecutorEnv, config: Configuration, judged: number, overloads: number, counts: RunCounts): Promise<void> {
  const iterations = env.config.iterations;
  const reason = `decided_early: ${overloads} of ${judged} judged iterations overloaded, ${iterations - judged} left could not change the verdict`;
  const now = Date.now() / 1000;
  for (let iteration = judged + 1; iteration <= iterations; iteration++) {
    await env.memory.ingestEvent(
      iterationEvent(env, config, iteration, 1, { start: now, end: now }, { status: "not_needed", skipReason: reason, resultRow: null, metrics: null, loadReport: null }),
    );
  }
  counts.not_needed = (counts.not_needed ?? 0) + (iterations - judged);
  env.sink.emit({ type: "iterations_not_needed", config_id: config.id, judged, iterations, reason });
}

/** What one run of an iteration gave: a verdict, or a window other work starved of CPU (never judged). */
type IterationResult = { readonly kind: "judged"; readonly overloaded: boolean } | { readonly kind: "contended"; readonly starvation: number };

/** One iteration; returns whether the node was overloaded, or that the iteration was contended. */
async function runIteration(
  env: ExecutorEnv,
  config: Configuration,
  iteration: number,
  baseline: NodeMetrics,
  ctx: ConfigContext,
): Promise<IterationResult> {
  const { spec, memory, sink, stop } = env;
  const names = config.pairs.map((p) => p.name);
  const repetition = 1;

  // Active cooldown: the functions go back to one replica at once instead of scaling down step by step.
  if (env.config.cooldown.reset_replicas) {
    for (const failure of await scaleFunctions(spec.gateway.url, env.gatewayAuth, names, 1)) env.log(`cooldown: could not reset replicas of ${failure}; waiting instead`);
  }
  // Cooldown against the idle baseline, capped at max_wait_seconds.
  const cooldown = await runCooldown(baseline, env.config.cooldown, { scaphandre: env.config.scaphandre_enabled }, {
    observe: async () => ({
      node: await collectNodeSnapshot(env.prometheus, env.queries, `${snapshotWindow(spec)}s`, { scaphandre: env.config.scaphandre_enabled }),
      replicas: await fetchReplicas(spec.gateway.url, env.gatewayAuth),
    }),
    sleep: (s) => stop.sleep(s),
    shouldStop: () => stop.stopped,
  });
  if (cooldown.status === "stopped") throw new Stopped(stop.reason);
  const idle = cooldown.snapshot ?? baseline;

  // Load, followed while it runs when early abort is on. A stopped load is still stored (its partial report is
  // evidence), but never judged; a load stopped because its verdict was settled is judged on what it ran.
  const load = await env.load.run(config, iteration, earlyAbortWatch(env, config));
  if (!load.watched) warnUnwatched(env);
  const report = loadReportOf(env, load);
  writeFileSync(join(ctx.layout.summariesDir, summaryFileName(config.id, iteration, repetition)), `${JSON.stringify(load.raw.document, null, 2)}\n`);
  const abortedEarly = load.abortedEarly;
  if (stop.stopped || (load.outcome === "stopped" && abortedEarly === undefined)) {
    await memory.ingestEvent(
      iterationEvent(env, config, iteration, repetition, load.window, { status: "stopped", skipReason: "stopped", resultRow: null, metrics: null, loadReport: report }),
    );
    throw new Stopped(stop.reason);
  }
  const loads = load.functions;
  const window = { start: load.window.start, end: load.window.end };
  ctx.counts.nominal_load_seconds = (ctx.counts.nominal_load_seconds ?? 0) + env.config.duration_seconds;

  // Replicas and metrics over exactly the load window.
  const replicas = await fetchReplicas(spec.gateway.url, env.gatewayAuth);
  const metrics = await collectIterationMetrics(
    env.prometheus,
    env.queries,
    window,
    names,
    { mode: env.config.prometheus.window_mode, stepSeconds: env.config.prometheus.range_step_seconds },
    { scaphandre: env.config.scaphandre_enabled, pidRegexes: env.config.function_pid_regexes },
  );
  for (const err of metrics.errors) env.log(`metrics: ${err}`);

  // Noisy neighbour: a window in which other work starved the platform of CPU says nothing about the platform. It
  // is stored with its figures (status `contended`) but written to no result file and never judged.
  const cpu = contentionFiguresOf(metrics.nodeExtra, spec.node_cores);
  const contention = judgeContention(cpu, env.config.contention);
  const figures: ContentionFigures = { waitCores: cpu.waitCores, runCores: cpu.runCores, starvation: contention.starvation };
  const context = nodeContextFigures(metrics.nodeExtra, env.queries, CONTENTION_QUERIES);
  const nodeMetrics = {
    ...flatten(metrics.node),
    ...Object.fromEntries(context.map((c) => [c.name, c.value])),
    rest_seconds: cooldown.restSeconds,
    platform_cpu_wait: cpu.waitCores,
    platform_cpu_run: cpu.runCores,
    cpu_starvation: contention.starvation,
  };
  if (contention.contended) {
    await memory.ingestEvent(
      iterationEvent(env, config, iteration, repetition, window, { status: "contended", skipReason: "contended", resultRow: null, metrics: nodeMetrics, loadReport: report }),
    );
    ctx.counts.contended = (ctx.counts.contended ?? 0) + 1;
    return { kind: "contended", starvation: contention.starvation };
  }

  const observations: FunctionObservation[] = config.pairs.map((p) => {
    const stats = loads.find((l) => l.functionName === p.name);
    return { name: p.name, rate: p.rate, success_rate: stats?.successRate ?? Number.NaN, replicas: replicas.get(p.name) ?? Number.NaN };
  });
  const judgedOnWindow = nodeOverload(
    { functions: observations, cpu_usage_node_pct: metrics.node.cpu_usage_node_pct, ram_usage_node_pct: metrics.node.ram_usage_node_pct },
    env.config.overload,
  );
  // An aborted iteration is overloaded by its evidence (the bound holds whatever the window's own figures say).
  const verdict = abortedEarly
    ? { ...judgedOnWindow, overloaded: true, reasons: [...judgedOnWindow.reasons, ...abortedEarly.reasons.map((r) => `aborted early: ${r}`)] }
    : judgedOnWindow;
  const loadSeconds = window.end - window.start;
  const outcome: IterationOutcome = {
    config,
    loads,
    functionMetrics: metrics.functions,
    replicas: new Map(names.map((n) => [n, replicas.get(n) ?? Number.NaN])),
    node: metrics.node,
    idle,
    restSeconds: cooldown.restSeconds,
    verdict,
    contention: figures,
    nodeContext: context,
    loadSeconds,
    abortedEarly: abortedEarly !== undefined,
  };

  // Files first (a crash after this loses nothing already written), then the memory.
  const row = buildResultRow(ctx.allFunctions, outcome, env.config.results.latency_unit);
  ctx.results.append(row);
  ctx.dfaasResults.append(env.config.results.latency_unit === DFAAS_LATENCY_UNIT ? row : buildResultRow(ctx.allFunctions, outcome, DFAAS_LATENCY_UNIT));
  ctx.resultsLong.appendAll(buildLongRows(outcome, repetition, iteration));
  writeFileSync(
    join(ctx.layout.metricsDir, metricsFileName(config.id, iteration, repetition)),
    `${metricsHeader(names).join(",")}\n${buildMetricsRow(metrics.node, metrics.functions, names).join(",")}\n`,
  );
  const header = ctx.results.header;
  const entries: [string, number | string][] = [];
  header.forEach((h, i) => {
    const v = row[i] ?? "";
    const n = Number(v);
    if (v !== "") entries.push([h, Number.isFinite(n) && v.trim() !== "" ? n : v]);
  });
  const overloaded = entries.find(([h]) => h === "overloaded_node");
  if (overloaded) overloaded[1] = verdict.overloaded ? 1 : 0;
  else entries.push(["overloaded_node", verdict.overloaded ? 1 : 0]);
  // The memory keeps latencies in nanoseconds whatever unit results.csv uses, with the figures beside the mean.
  for (const l of loads) {
    const mean = entries.find(([h]) => h === `medium_latency_function_${l.functionName}`);
    if (mean) mean[1] = l.latencyAll.meanNs;
    entries.push(
      [`success_latency_function_${l.functionName}`, l.latencySuccess.meanNs],
      [`p99_latency_function_${l.functionName}`, l.latencyAll.p99Ns],
      [`requests_function_${l.functionName}`, l.requests],
      [`dropped_function_${l.functionName}`, l.dropped],
    );
  }
  entries.push(["load_seconds", loadSeconds], ["aborted_early", abortedEarly ? 1 : 0]);
  if (abortedEarly) entries.push(["early_abort_evidence", JSON.stringify(abortedEarly)]);
  // Built in one go, not key by key: V8 turns an object that gets more than a dozen computed keys into a hash
  // table, which makes every later read of it (memory ingest, feature cache) two to three times slower.
  const resultRow: Record<string, number | string> = Object.fromEntries(entries);
  await memory.ingestEvent(iterationEvent(env, config, iteration, repetition, window, { status: "executed", skipReason: null, resultRow, metrics: nodeMetrics, loadReport: report }));
  ctx.counts.iterations++;
  ctx.counts.load_seconds = (ctx.counts.load_seconds ?? 0) + loadSeconds;
  if (abortedEarly) {
    ctx.counts.aborted_early = (ctx.counts.aborted_early ?? 0) + 1;
    sink.emit({ type: "iteration_aborted_early", config_id: config.id, iteration, evidence: abortedEarly });
    env.log(`${config.id} iteration ${iteration}: aborted early after ${abortedEarly.elapsed_seconds} s (${abortedEarly.reasons.join("; ")})`);
  }
  sink.emit({
    type: "iteration_done",
    config_id: config.id,
    iteration,
    iterations: env.config.iterations,
    overloaded: verdict.overloaded,
    rest_s: cooldown.restSeconds,
    load_s: Math.round((window.end - window.start) * 1000) / 1000,
  });
  if (verdict.overloaded) env.log(`${config.id} iteration ${iteration}: overloaded (${verdict.reasons.join("; ")})`);
  return { kind: "judged", overloaded: verdict.overloaded };
}

/** The watch that stops a settled iteration's load, or `undefined` when early abort is off. */
function earlyAbortWatch(env: ExecutorEnv, config: Configuration): LoadWatch | undefined {
  const settings = env.config.early_abort;
  if (!settings.enabled) return undefined;
  const rates = new Map(config.pairs.map((p) => [p.name, p.rate]));
  return {
    intervalSeconds: settings.check_interval_seconds,
    settled: (p) =>
      settledOverload(
        {
          elapsedSeconds: p.elapsedSeconds,
          functions: p.functions.map((f) => ({ name: f.functionName, rate: rates.get(f.functionName) ?? f.targetRate, answered: f.answered, successes: f.successes })),
        },
        env.config.duration_seconds,
        env.config.overload,
        settings,
      ),
  };
}

const unwatchedWarned = new WeakSet<ExecutorEnv>();
/** Says once per campaign that early abort is on but the generator cannot be followed while it runs. */
function warnUnwatched(env: ExecutorEnv): void {
  if (unwatchedWarned.has(env)) return;
  unwatchedWarned.add(env);
  const message = `early_abort is on, but ${env.load.identity.name} does not report progress while it runs: every iteration runs its full window`;
  env.log(message);
  env.sink.emit({ type: "log", level: "warn", message });
}

function flatten(node: NodeMetrics): Record<string, number> {
  return Object.fromEntries(Object.entries(node).filter(([, v]) => typeof v === "number")) as Record<string, number>;
}

/** One iteration of `config` as a memory event: its window (epoch seconds), its status and what it measured. */
function iterationEvent(
  env: ExecutorEnv,
  config: Configuration,
  iteration: number,
  repetition: number,
  window: { readonly start: number; readonly end: number },
  measured: Pick<ExecutionEvent, "status" | "skipReason" | "resultRow" | "metrics" | "loadReport">,
): ExecutionEvent {
  return { campaignId: env.campaignId, runId: env.spec.run_id, config, iteration, repetition, startTs: window.start, endTs: window.end, ...measured };
}

/** A skipped or failed configuration as a memory event (iteration 0: it describes the configuration). */
function skipEvent(env: ExecutorEnv, config: Configuration, status: "skipped" | "failed", reason: string): ExecutionEvent {
  const now = Date.now() / 1000;
  return iterationEvent(env, config, 0, 1, { start: now, end: now }, { status, skipReason: reason, resultRow: null, metrics: null, loadReport: null });
}

/** The generator's raw report as the memory stores it, with the generator named. */
function loadReportOf(env: ExecutorEnv, load: LoadRunResult): LoadReport {
  return { generator: `${env.load.identity.name} ${env.load.identity.version}`, format: load.raw.format, document: load.raw.document };
}


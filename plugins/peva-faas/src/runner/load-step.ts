/**
 * The load of one iteration, as one collaborator of the executor: builds the generator's targets from the
 * configuration, gives it a fresh work directory, ties it to the stop token, and checks its result against the
 * load-generator contract before anything is judged from it. The generator itself is a `loadgen` plugin.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  loadResultViolations,
  type GeneratorIdentity,
  type LoadgenPlugin,
  type LoadProgress,
  type LoadRun,
  type LoadRequest,
  type LoadRunResult,
  type LoadTarget,
} from "@peva-lab/core";
import type { Configuration } from "../model.ts";
import type { EarlyAbortEvidence } from "../overload/early-abort.ts";
import { LoadResultInvalidError } from "./errors.ts";
import type { StopToken } from "./stop.ts";

/**
 * Follows a load while it runs: every `intervalSeconds`, `settled` sees what the generator has seen so far; the
 * first evidence it returns stops the load (an early abort).
 */
export interface LoadWatch {
  readonly intervalSeconds: number;
  settled(progress: LoadProgress): EarlyAbortEvidence | undefined;
}

/** The load of one iteration: the generator's result, and the evidence when a {@link LoadWatch} stopped it early. */
export interface LoadStepResult extends LoadRunResult {
  /** False when a watch was asked for but the generator cannot report progress while it runs (k6). */
  readonly watched: boolean;
  readonly abortedEarly?: EarlyAbortEvidence;
}

/** What the executor asks of the load step. */
export interface LoadStep {
  /** The generator, its tool version and the settings that shape the load. */
  readonly identity: GeneratorIdentity;
  /** Runs the load of one iteration; a stop ends it early with outcome `stopped`, and so does a settled `watch`. */
  run(config: Configuration, iteration: number, watch?: LoadWatch): Promise<LoadStepResult>;
}

/** One function's request, as the workload settings describe it. */
export interface FunctionRequestSpec {
  readonly name: string;
  readonly method: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Inputs of {@link createLoadStep}. */
export interface LoadStepOptions {
  /** A generator whose `probe` already ran (it fixed the executable). */
  readonly generator: LoadgenPlugin;
  readonly identity: GeneratorIdentity;
  readonly functions: readonly FunctionRequestSpec[];
  readonly gatewayUrl: string;
  readonly durationSeconds: number;
  readonly requestTimeoutSeconds: number;
  /** Root of the per-iteration work directories (`<root>/<config_id>-iter<i>`). */
  readonly workRoot: string;
  /** Environment of the generator's processes. */
  readonly env: Readonly<Record<string, string>>;
  readonly stop: StopToken;
  /** Keep each iteration's work directory (the generator's per-request files) instead of removing it. */
  readonly keepFiles: boolean;
}

/**
 * The URL of a function on an OpenFaaS-compatible gateway: `<gateway>/function/<name>`, the name percent-encoded
 * (`.` and `..` too, which URL parsers would otherwise resolve) so that no name can change the path or add a query.
 */
function functionUrl(gatewayUrl: string, name: string): string {
  const segment = /^\.{1,2}$/.test(name) ? "%2E".repeat(name.length) : encodeURIComponent(name);
  return `${gatewayUrl.replace(/\/+$/, "")}/function/${segment}`;
}

/** The targets of one configuration, in its (name-sorted) pair order. */
export function loadTargets(config: Configuration, functions: readonly FunctionRequestSpec[], gatewayUrl: string): LoadTarget[] {
  const specs = new Map(functions.map((f) => [f.name, f]));
  return config.pairs.map((p) => {
    const spec = specs.get(p.name);
    if (!spec) throw new Error(`no request spec for function '${p.name}' of configuration ${config.id}`);
    return { functionName: p.name, url: functionUrl(gatewayUrl, p.name), method: spec.method, body: spec.body, headers: spec.headers, rate: p.rate };
  });
}

/**
 * Looks at a running load every `watch.intervalSeconds` (one look at a time) and stops it on the first evidence.
 * A look that fails is ignored: the load then simply runs its full window.
 */
function follow(run: LoadRun, watch: LoadWatch): { end(): void; evidence(): EarlyAbortEvidence | undefined } {
  let evidence: EarlyAbortEvidence | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || evidence) return;
    busy = true;
    void run
      .progress!()
      .then((p) => {
        evidence ??= watch.settled(p);
        if (evidence) run.stop();
      })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, watch.intervalSeconds * 1000);
  return {
    end: () => clearInterval(timer),
    evidence: () => evidence,
  };
}

/** Builds the load step. */
export function createLoadStep(opts: LoadStepOptions): LoadStep {
  return {
    identity: opts.identity,
    async run(config, iteration, watch) {
      const workDir = join(opts.workRoot, `${config.id}-iter${iteration}`);
      // A resumed iteration starts from an empty directory: a crashed attempt's files must not be read as this one's.
      rmSync(workDir, { recursive: true, force: true });
      mkdirSync(workDir, { recursive: true });
      const request: LoadRequest = {
        targets: loadTargets(config, opts.functions, opts.gatewayUrl),
        durationSeconds: opts.durationSeconds,
        requestTimeoutSeconds: opts.requestTimeoutSeconds,
        workDir,
        env: opts.env,
      };
      try {
        const run = opts.generator.start(request);
        const offStop = opts.stop.onStop(() => run.stop());
        const following = watch && run.progress ? follow(run, watch) : undefined;
        const result = await run.done.finally(() => {
          offStop();
          following?.end();
        });
        const violations = loadResultViolations(request, result);
        if (violations.length > 0) throw new LoadResultInvalidError(opts.identity.name, violations);
        const abortedEarly = following?.evidence();
        return { ...result, watched: watch === undefined || following !== undefined, ...(abortedEarly ? { abortedEarly } : {}) };
      } finally {
        // The per-request files hold every response; they go whatever happened, unless the settings keep them.
        if (!opts.keepFiles) rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
}

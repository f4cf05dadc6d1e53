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
  type LoadRequest,
  type LoadRunResult,
  type LoadTarget,
} from "@peva-lab/core";
import type { Configuration } from "../model.ts";
import { LoadResultInvalidError } from "./errors.ts";
import type { StopToken } from "./stop.ts";

/** What the executor asks of the load step. */
export interface LoadStep {
  /** The generator, its tool version and the settings that shape the load. */
  readonly identity: GeneratorIdentity;
  /** Runs the load of one iteration; a stop ends it early with outcome `stopped`. */
  run(config: Configuration, iteration: number): Promise<LoadRunResult>;
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

/** Builds the load step. */
export function createLoadStep(opts: LoadStepOptions): LoadStep {
  return {
    identity: opts.identity,
    async run(config, iteration) {
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
        const result = await run.done.finally(offStop);
        const violations = loadResultViolations(request, result);
        if (violations.length > 0) throw new LoadResultInvalidError(opts.identity.name, violations);
        return result;
      } finally {
        // The per-request files hold every response; they go whatever happened, unless the settings keep them.
        if (!opts.keepFiles) rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
}

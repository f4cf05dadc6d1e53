/**
 * The optional `k6` load generator: drives a k6 the user installed. k6 is AGPL-3.0, so peva-lab never builds,
 * downloads or bundles it; `probe` finds it on the given PATH or names the fix.
 *
 * One load window = one `k6 run` of a generated script (`script.ts`) in the request's work directory:
 * `script.js`, `summary.v2.json` (written by the script's `handleSummary`) and `k6.log`. A window in which every
 * target has rate 0 starts no k6 at all: the plugin waits out the duration (or the stop) and reports the idle wait.
 */
import { readFile } from "node:fs/promises";
import { writeFileSync } from "node:fs";
import {
  LoadgenFailedError,
  LoadgenPlugin,
  LoadgenUnavailableError,
  startIdleRun,
  type GeneratorIdentity,
  type LoadOutcome,
  type LoadRequest,
  type LoadRun,
  type LoadRunResult,
} from "@peva-lab/core";
import { acceptableExit, buildK6Argv, describeExit, k6Environment, k6Files } from "./argv.ts";
import { startK6Process, type K6Exit } from "./process.ts";
import { GENERATOR_NAME, probeK6 } from "./probe.ts";
import { generateK6Script } from "./script.ts";
import { DEFAULT_K6_SETTINGS, durationMilliseconds, identitySettings, k6SettingsSchema, type K6Settings } from "./settings.ts";
import { RAW_FORMAT } from "./summary-builder.ts";
import { idleSummaryDocument, loadResultFromSummary } from "./summary.ts";

/** Extra seconds past duration + graceful stop + request timeout before a run that does not end counts as hung. */
export const HANG_MARGIN_SECONDS = 120;

/** The `k6` load generator. */
export default class K6Loadgen extends LoadgenPlugin<K6Settings> {
  readonly name = "k6";
  readonly version = "0.1.0";
  readonly apiVersion = "1.0";
  override readonly description = "Optional load generator driving a k6 you installed yourself (never bundled: AGPL-3.0)";
  override readonly requiredTools = ["k6"];
  override readonly configSchema = k6SettingsSchema;

  #probed: { executable: string; version: string } | undefined;

  /** The settings in force (defaults until `configure` ran). */
  get settings(): K6Settings {
    return this.config ?? DEFAULT_K6_SETTINGS;
  }

  /** The executable `probe` found, if it ran. */
  get executable(): string | undefined {
    return this.#probed?.executable;
  }

  #identity(): GeneratorIdentity {
    if (!this.#probed) throw new LoadgenUnavailableError(GENERATOR_NAME, "probe() has not run", "call probe(path) before start()");
    return { name: GENERATOR_NAME, version: this.#probed.version, settings: identitySettings(this.settings) };
  }

  /** Finds `k6` in `path`, runs `k6 version`; throws `LoadgenUnavailableError` naming the fix. */
  async probe(path: readonly string[]): Promise<GeneratorIdentity> {
    this.#probed = await probeK6(path);
    return this.#identity();
  }

  /**
   * Starts one load window. Throws `LoadgenUnavailableError` before `probe`, `RangeError` on an invalid request
   * (no targets, a name twice, a rate that is not a whole number ≥ 0).
   */
  start(request: LoadRequest): LoadRun {
    const generator = this.#identity();
    const settings = this.settings;
    const script = generateK6Script({
      targets: request.targets,
      durationSeconds: request.durationSeconds,
      requestTimeoutSeconds: request.requestTimeoutSeconds,
      settings,
    });
    if (script.data.targets.length === 0) return idleRun(request, generator);

    const files = k6Files(request.workDir);
    const executable = this.#probed!.executable;
    writeFileSync(files.script, script.text);
    const proc = startK6Process({
      executable,
      argv: buildK6Argv({ files, outputs: settings.outputs, tags: settings.tags }),
      env: k6Environment(request.env),
      cwd: request.workDir,
      logPath: files.log,
      stopGraceMs: settings.stop_grace_seconds * 1000,
    });
    let stoppedAtMs: number | undefined;
    let exited = false;
    let hung = false;
    const hangAfterMs =
      (request.durationSeconds + request.requestTimeoutSeconds + HANG_MARGIN_SECONDS) * 1000 + durationMilliseconds(settings.graceful_stop);
    const watchdog = setTimeout(() => {
      hung = true;
      proc.stop();
    }, hangAfterMs);

    const fail = (reason: string, cause?: unknown): LoadgenFailedError => new LoadgenFailedError(GENERATOR_NAME, reason, files.log, cause);
    const done = (async (): Promise<LoadRunResult> => {
      let exit: K6Exit;
      try {
        exit = await proc.exit;
      } catch (e) {
        throw fail(`could not start ${executable}: ${(e as Error).message}`, e);
      } finally {
        exited = true;
        clearTimeout(watchdog);
      }
      const tail = exit.tail.length > 0 ? `; last output: ${exit.tail.join(" | ")}` : "";
      if (hung) throw fail(`k6 did not finish within ${Math.round(hangAfterMs / 1000)} s and was stopped (${describeExit(exit.code, exit.signal)})${tail}`);
      const stopped = stoppedAtMs !== undefined;
      if (!acceptableExit(exit.code, exit.signal, stopped)) throw fail(`k6 ended with ${describeExit(exit.code, exit.signal)}${tail}`);
      let document: unknown;
      try {
        document = JSON.parse(await readFile(files.summary, "utf8"));
      } catch (e) {
        throw fail(`k6 ended with ${describeExit(exit.code, exit.signal)} but left no readable summary at ${files.summary}: ${(e as Error).message}${tail}`, e);
      }
      const outcome: LoadOutcome = stopped ? "stopped" : "completed";
      try {
        return loadResultFromSummary({ request, document, generator, outcome, ...(stoppedAtMs !== undefined ? { stoppedAtMs } : {}) });
      } catch (e) {
        throw fail(`unusable summary ${files.summary}: ${(e as Error).message}`, e);
      }
    })();
    return {
      done,
      stop: () => {
        // After the exit there is nothing left to stop: the run completed.
        if (stoppedAtMs !== undefined || exited) return;
        stoppedAtMs = Date.now();
        proc.stop();
      },
    };
  }
}

/** A window without loaded targets: no k6, just the wait (or until the stop). */
function idleRun(request: LoadRequest, generator: GeneratorIdentity): LoadRun {
  return startIdleRun(request, generator, (window) => {
    const document = idleSummaryDocument(request, window.start * 1000, window.end * 1000);
    // Written like a k6 run's summary, so every run's work directory holds its raw document.
    try {
      writeFileSync(k6Files(request.workDir).summary, JSON.stringify(document, null, 2));
    } catch {
      // The document still reaches the memory through the result; the file is a convenience.
    }
    return { format: RAW_FORMAT, document };
  });
}

/**
 * The `vegeta` loadgen plugin: the bundled open-loop load generator. It drives vegeta 12 (MIT), one
 * `vegeta attack` per loaded function, and reports per function what was sent and what came back.
 */
import { LoadgenPlugin, type GeneratorIdentity, type LoadRequest, type LoadRun } from "@peva-lab/core";
import { probeVegeta, type VegetaTool } from "./probe.ts";
import { startRun } from "./run.ts";
import { DEFAULT_VEGETA_SETTINGS, vegetaSettingsSchema, type VegetaSettings } from "./settings.ts";

/** The `vegeta` load generator. */
export default class VegetaLoadgen extends LoadgenPlugin<VegetaSettings> {
  readonly name = "vegeta";
  readonly version = "0.1.0";
  readonly apiVersion = "1.0";
  override readonly description = "Open-loop HTTP load with vegeta (MIT): one attack per function, per-request results";
  override readonly requiredTools = ["vegeta"];
  override readonly configSchema = vegetaSettingsSchema;

  #tool: VegetaTool | undefined;

  /** The configured settings, or the defaults. */
  get settings(): VegetaSettings {
    return this.config ?? DEFAULT_VEGETA_SETTINGS;
  }

  /** Finds vegeta 12 on `path`; throws `LoadgenUnavailableError` naming the fix when it is missing or another version. */
  async probe(path: readonly string[]): Promise<GeneratorIdentity> {
    this.#tool = await probeVegeta(path);
    return this.#identity(this.#tool);
  }

  /** Starts one load window with the executable found by {@link VegetaLoadgen.probe}. */
  start(request: LoadRequest): LoadRun {
    const tool = this.#tool;
    if (tool === undefined) {
      throw new Error("vegeta: start() called before probe(): call probe(path) first, it locates the vegeta executable");
    }
    return startRun({ executable: tool.executable, identity: this.#identity(tool), settings: this.settings }, request);
  }

  #identity(tool: VegetaTool): GeneratorIdentity {
    return { name: this.name, version: tool.version, settings: { ...this.settings } };
  }
}

/**
 * The base contract every plugin implements, whatever its type. Type-specific contracts
 * (`WorkloadPlugin`, `ComputePlugin`, …) extend it and fix `type`.
 */
import type { z } from "zod";
import { healthStatus, type HealthStatus } from "../health.ts";
import type { PluginType } from "../plugin-type.ts";

/**
 * Base class of all plugins. Subclasses declare metadata as plain fields (`readonly name = "duckdb"`) and
 * override the hooks they need; every hook has a harmless default.
 *
 * @typeParam TConfig - the validated config type, i.e. the output of {@link Plugin.configSchema}.
 */
export abstract class Plugin<TConfig = unknown> {
  /** The plugin type; fixed by each type-specific contract class. */
  abstract readonly type: PluginType;
  /** Unique within its type; lowercase alphanumerics and hyphens (`peva-faas`). */
  abstract readonly name: string;
  /** The plugin's own semver, `X.Y.Z`; equal to its package version. */
  abstract readonly version: string;
  /** The plugin API it was written against, `X.Y` (see `PLUGIN_API_VERSION`). */
  abstract readonly apiVersion: string;
  /** One line for listings. */
  readonly description: string = "";
  /** Plugins that must be active first: a name, or `type:name` when the name exists under several types. */
  readonly dependencies: readonly string[] = [];
  /** npm packages this plugin imports at run time ("extras"): runtime dependencies of its workspace package. */
  readonly requiredExtras: readonly string[] = [];
  /** Executables this plugin needs on `PATH` (e.g. `vegeta`). */
  readonly requiredTools: readonly string[] = [];
  /** Schema of the plugin's config; when absent, `configure` stores the raw value. */
  readonly configSchema: z.ZodType<TConfig> | undefined = undefined;

  #config: TConfig | undefined = undefined;
  #configured = false;

  /** Receives the validated config (defaults applied) from the registry. Overrides must call `super.configure`. */
  configure(config: TConfig): void {
    this.#config = config;
    this.#configured = true;
  }

  /** The config last pushed by {@link Plugin.configure}, if any. */
  get config(): TConfig | undefined {
    return this.#config;
  }

  /** True once {@link Plugin.configure} ran. */
  get isConfigured(): boolean {
    return this.#configured;
  }

  /**
   * Acquires resources. Must settle within the lifecycle timeout (30 s by default); when it does not, the
   * registry aborts `signal` and abandons the hook, so long waits should listen to it. Throwing prevents activation.
   */
  startup(_signal: AbortSignal): Promise<void> | void {}

  /** Releases resources. Errors are recorded but never stop the other plugins' shutdown. */
  shutdown(): Promise<void> | void {}

  /** Reports health; must answer within 5 s. Healthy by default. */
  healthCheck(): Promise<HealthStatus> | HealthStatus {
    return healthStatus("healthy");
  }
}

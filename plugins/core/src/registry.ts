/**
 * The plugin registry: discovered and registered plugins keyed by (type, name), loaded lazily on first `get`,
 * configured through their schemas, and driven through their lifecycle.
 *
 * Differences from the upstream registry, on purpose: `list` never loads code and includes registered plugins
 * (defect 4); refusals (incompatible API, duplicate, load failure) are cached so a bad plugin is not imported
 * again (defect 10); `register` checks discovered plugins too (defect 9); activation keeps an ordered list and
 * shutdown walks it backwards (defect 1); a failed plugin blocks its dependents (defect 7); everything is keyed by
 * (type, name) (defect 8); hook timeouts abandon the hook (defect 6).
 */
import { missingContractMembers, type PluginOfType } from "./contracts/members.ts";
import type { Plugin } from "./contracts/plugin.ts";
import { validatePluginConfig } from "./config.ts";
import { matchDependency, planActivation } from "./dependencies.ts";
import { discoverPlugins, type DiscoveryOptions, type DiscoveryResult } from "./discovery.ts";
import {
  DuplicatePluginError,
  PluginBlockedError,
  PluginError,
  PluginIncompatibleError,
  PluginLoadError,
  PluginNotFoundError,
  PluginStartupError,
  describeCause,
} from "./errors.ts";
import type { HealthStatus } from "./health.ts";
import {
  checkPluginHealth,
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  DEFAULT_LIFECYCLE_TIMEOUT_MS,
  realTimer,
  runHook,
  type Timer,
} from "./lifecycle.ts";
import { instanceMetadata, loadPlugin } from "./loader.ts";
import { stderrLogger, type Logger } from "./logger.ts";
import type { PluginDescriptor, PluginSource } from "./manifest.ts";
import { isPluginType, PLUGIN_NAME_PATTERN, PLUGIN_TYPES, pluginLabel, type PluginKey, type PluginType } from "./plugin-type.ts";
import { assertCompatible, isCompatible, parseApiVersion, PLUGIN_API_VERSION } from "./version.ts";

/** Lifecycle state of one plugin. `blocked`: not started because a dependency failed. */
export type PluginState = "inactive" | "active" | "failed" | "blocked";

/** Metadata of a plugin, available without loading its code. */
export interface PluginInfo {
  readonly type: PluginType;
  readonly name: string;
  readonly version: string;
  /** `undefined` until loaded when the manifest does not declare it. */
  readonly apiVersion: string | undefined;
  readonly description: string;
  /** `undefined` until loaded when the manifest does not declare them. */
  readonly dependencies: readonly string[] | undefined;
  readonly extras: readonly string[];
  /** `undefined` until loaded when the manifest does not declare them. */
  readonly tools: readonly string[] | undefined;
  /** How to install the tools when it is not `scripts/bootstrap` (the manifest's `toolInstall`). */
  readonly toolInstall?: string;
  readonly source: PluginSource;
  readonly packageName: string | undefined;
  readonly packageDir: string | undefined;
  /** API compatible with this platform; `undefined` while the API version is unknown. */
  readonly compatible: boolean | undefined;
  readonly loaded: boolean;
  readonly configured: boolean;
  readonly state: PluginState;
  /** Why `get` refuses this plugin (incompatible, duplicate, failed load), if it does. */
  readonly error: string | undefined;
}

/** Registry-wide settings; every one has a default. */
export interface RegistryOptions {
  readonly logger?: Logger;
  /** The platform's plugin API; injectable for tests of the version rule. */
  readonly platformApiVersion?: string;
  readonly lifecycleTimeoutMs?: number;
  readonly healthCheckTimeoutMs?: number;
  readonly timer?: Timer;
}

/** Which plugins `activateAll` starts; dependencies are always added. */
export interface ActivateAllOptions {
  /** Exactly these plugins; otherwise every plugin of `types`; otherwise every loaded plugin. */
  readonly plugins?: readonly PluginKey[];
  readonly types?: readonly PluginType[];
  readonly timeoutMs?: number;
}

/** Result map of lifecycle calls: `{ "TYPE:name": error | null }`, in the order the plugins were processed. */
export type LifecycleResults = Record<string, Error | null>;

interface Entry {
  readonly key: string;
  readonly type: PluginType;
  readonly name: string;
  readonly source: PluginSource;
  readonly descriptor: PluginDescriptor | undefined;
  instance: Plugin | undefined;
  loading: Promise<Plugin> | undefined;
  /** Cached refusal: `get` rethrows it without importing anything again. */
  verdict: PluginError | undefined;
  config: unknown;
  configured: boolean;
  state: PluginState;
  activating: Promise<void> | undefined;
}

function keyOf(type: PluginType, name: string): string {
  return `${type}:${name}`;
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** The plugin registry. Create one per process (or per test); it holds no global state. */
export class PluginRegistry {
  readonly platformApiVersion: string;
  readonly #logger: Logger;
  readonly #lifecycleTimeoutMs: number;
  readonly #healthCheckTimeoutMs: number;
  readonly #timer: Timer;
  readonly #entries = new Map<string, Entry>();
  /** Keys in activation order; shutdown walks it backwards. */
  readonly #activated: string[] = [];

  constructor(options: RegistryOptions = {}) {
    this.platformApiVersion = options.platformApiVersion ?? PLUGIN_API_VERSION;
    parseApiVersion(this.platformApiVersion);
    this.#logger = options.logger ?? stderrLogger;
    this.#lifecycleTimeoutMs = options.lifecycleTimeoutMs ?? DEFAULT_LIFECYCLE_TIMEOUT_MS;
    this.#healthCheckTimeoutMs = options.healthCheckTimeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS;
    this.#timer = options.timer ?? realTimer;
  }

  /**
   * Runs discovery (no code is loaded) and adds what it found. Incompatible plugins are kept with a cached
   * verdict so listings can show them; duplicates are kept as refusals. Safe to call again: a package already
   * known is skipped, a different package with a known key becomes a duplicate.
   */
  discover(options: DiscoveryOptions): DiscoveryResult {
    const result = discoverPlugins({ logger: this.#logger, ...options });
    for (const d of result.plugins) this.addDescriptor(d);
    for (const { error, descriptors } of result.duplicates) {
      const key = keyOf(error.pluginType, error.pluginName);
      if (!this.#entries.has(key)) this.#entries.set(key, this.#newEntry(descriptors[0]!, descriptors[0]!.source));
      this.#entries.get(key)!.verdict = error;
    }
    return result;
  }

  /** Adds one discovered plugin (lazy: its code is imported on first `get`). */
  addDescriptor(descriptor: PluginDescriptor): void {
    const key = keyOf(descriptor.type, descriptor.name);
    const existing = this.#entries.get(key);
    if (existing) {
      if (existing.descriptor?.packageDir === descriptor.packageDir) return;
      const locations = [existing.descriptor?.packageDir ?? "registered in code", descriptor.packageDir];
      existing.verdict = new DuplicatePluginError(descriptor.type, descriptor.name, locations);
      this.#logger.log("warn", "register.duplicate", { plugin: pluginLabel(descriptor.type, descriptor.name), locations });
      return;
    }
    const entry = this.#newEntry(descriptor, descriptor.source);
    this.#entries.set(key, entry);
    if (descriptor.apiVersion !== undefined && !isCompatible(descriptor.apiVersion, this.platformApiVersion)) {
      entry.verdict = new PluginIncompatibleError(descriptor.name, descriptor.apiVersion, this.platformApiVersion);
      this.#logger.log("warn", "register.incompatible", { plugin: pluginLabel(descriptor.type, descriptor.name), path: descriptor.packageDir });
    }
  }

  /**
   * Registers an instance created in code. Throws `DuplicatePluginError` when the key is already discovered or
   * registered, `PluginLoadError` when it does not fulfil its type's contract, `InvalidVersionError` or
   * `PluginIncompatibleError` for its API version. The same name under another type is fine.
   */
  register(plugin: Plugin): void {
    const type: unknown = plugin.type;
    if (!isPluginType(type)) throw new PluginError(`Unknown plugin type: ${String(type)}. Valid types: ${PLUGIN_TYPES.join(", ")}`);
    const name = plugin.name;
    const key = keyOf(type, name);
    const existing = this.#entries.get(key);
    if (existing) {
      this.#logger.log("warn", "register.duplicate", { plugin: pluginLabel(type, name) });
      throw new DuplicatePluginError(type, name, [existing.descriptor?.packageDir ?? "registered in code", "registered in code"]);
    }
    if (typeof name !== "string" || !PLUGIN_NAME_PATTERN.test(name)) {
      throw new PluginLoadError(type, String(name), "name must be lowercase alphanumerics and hyphens");
    }
    const missing = missingContractMembers(type, plugin);
    if (missing.length > 0) throw new PluginLoadError(type, name, `does not implement the ${type} contract: missing ${missing.join(", ")}`);
    assertCompatible(name, plugin.apiVersion, this.platformApiVersion);
    const entry = this.#newEntry(undefined, "registered", plugin);
    entry.instance = plugin;
    this.#entries.set(key, entry);
  }

  /** True when the key is known (discovered or registered), whether or not it can be loaded. */
  has(type: PluginType, name: string): boolean {
    return this.#entries.has(keyOf(type, name));
  }

  /**
   * The plugin instance, importing it on first use (FR-011). Throws `PluginNotFoundError` for an unknown key and
   * rethrows the cached refusal (incompatible, duplicate, load failure) without importing again.
   */
  async get<T extends PluginType>(type: T, name: string): Promise<PluginOfType<T>> {
    const entry = this.#entries.get(keyOf(type, name));
    // The type was checked when the instance was registered or loaded, so the cast only restores it.
    if (entry?.instance !== undefined && entry.verdict === undefined) return entry.instance as PluginOfType<T>;
    if (entry === undefined) {
      this.#logger.log("warn", "get.not_found", { plugin: pluginLabel(type, name) });
      throw new PluginNotFoundError(type, name);
    }
    if (entry.verdict !== undefined) throw entry.verdict;
    entry.loading ??= this.#load(entry);
    return (await entry.loading) as PluginOfType<T>;
  }

  /** Metadata of every plugin of `type` (discovered and registered), sorted by name. Loads nothing. */
  list(type: PluginType): PluginInfo[] {
    return [...this.#entries.values()]
      .filter((e) => e.type === type)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => this.#info(e));
  }

  /** Metadata of one plugin. Loads nothing; throws `PluginNotFoundError` for an unknown key. */
  info(type: PluginType, name: string): PluginInfo {
    return this.#info(this.#entry(type, name));
  }

  /** Every type as a key, each with its sorted plugin names. Loads nothing. */
  listAll(): Record<PluginType, string[]> {
    const all = Object.fromEntries(PLUGIN_TYPES.map((t) => [t, [] as string[]])) as Record<PluginType, string[]>;
    for (const e of this.#entries.values()) all[e.type].push(e.name);
    for (const t of PLUGIN_TYPES) all[t].sort();
    return all;
  }

  /** The instances loaded so far (optionally of one type), sorted by type then name. */
  loaded(type?: PluginType): Plugin[] {
    return this.#loadedEntries()
      .filter((e) => type === undefined || e.type === type)
      .map((e) => e.instance!);
  }

  /**
   * Validates `raw` against the plugin's schema (defaults applied), stores it and pushes it to the plugin.
   * Throws `PluginConfigurationError` listing every invalid field. Loads the plugin if needed.
   */
  async configure(type: PluginType, name: string, raw: unknown): Promise<unknown> {
    const plugin = await this.get(type, name);
    const value = validatePluginConfig(name, plugin.configSchema, raw);
    const entry = this.#entry(type, name);
    entry.config = value;
    entry.configured = true;
    // Plain-JavaScript plugins may not have the base class's `configure`.
    if (typeof plugin.configure === "function") plugin.configure(value);
    return value;
  }

  /** The config stored by `configure`, or `undefined`. */
  getConfig(type: PluginType, name: string): unknown {
    return this.#entry(type, name).config;
  }

  /** Lifecycle state of one plugin. */
  state(type: PluginType, name: string): PluginState {
    return this.#entry(type, name).state;
  }

  /** Active plugins as `TYPE:name`, in activation order. */
  activationOrder(): string[] {
    return this.#activated.map((k) => {
      const e = this.#entries.get(k)!;
      return pluginLabel(e.type, e.name);
    });
  }

  /**
   * Loads the plugin and runs `startup(signal)` under the lifecycle timeout. A no-op when already active.
   * A hook that throws or outlives the timeout (its signal is then aborted) marks the plugin `failed` and raises
   * `PluginStartupError`; load failures propagate as they are.
   */
  async activate(type: PluginType, name: string, options: { readonly timeoutMs?: number } = {}): Promise<void> {
    const entry = this.#entry(type, name);
    if (entry.state === "active") return;
    entry.activating ??= this.#activate(entry, options.timeoutMs ?? this.#lifecycleTimeoutMs).finally(() => {
      entry.activating = undefined;
    });
    return entry.activating;
  }

  /**
   * Activates a selection and its dependencies, dependencies first. Missing, ambiguous or circular dependencies
   * throw before anything starts. Afterwards every failure is recorded and the loop goes on; a plugin whose
   * dependency failed is not started and gets a `PluginBlockedError` naming the failed plugin(s).
   */
  async activateAll(options: ActivateAllOptions = {}): Promise<LifecycleResults> {
    const selected = options.plugins
      ? options.plugins.map((k) => this.#entry(k.type, k.name))
      : options.types
        ? [...this.#entries.values()].filter((e) => options.types!.includes(e.type))
        : this.#loadedEntries();
    // Load the selection and, transitively, its dependencies first: a plugin's dependencies are certain only once
    // its class is loaded. A load failure is recorded like a startup failure.
    const all = [...this.#entries.values()];
    const loadErrors = new Map<string, Error>();
    const seen = new Set<string>();
    const pending = [...selected];
    while (pending.length > 0) {
      const entry = pending.pop()!;
      if (seen.has(entry.key)) continue;
      seen.add(entry.key);
      try {
        await this.get(entry.type, entry.name);
      } catch (e) {
        loadErrors.set(entry.key, toError(e));
        continue;
      }
      for (const ref of this.#dependenciesOf(entry)) {
        const matches = matchDependency(ref, all);
        if (matches.length === 1) pending.push(matches[0]!);
      }
    }
    const asNode = (entry: Entry) => ({ type: entry.type, name: entry.name, dependencies: this.#dependenciesOf(entry), entry });
    const plan = planActivation(selected.map(asNode), all.map(asNode));

    const results: LifecycleResults = {};
    /** The failed plugins (`TYPE:name`) behind each key that failed or was blocked in this call. */
    const failedRoots = new Map<string, string[]>();
    for (const { node, dependsOn } of plan) {
      const entry = node.entry;
      const label = pluginLabel(entry.type, entry.name);
      const roots = [...new Set(dependsOn.flatMap((d) => failedRoots.get(d.entry.key) ?? []))].sort();
      if (roots.length > 0) {
        entry.state = "blocked";
        failedRoots.set(entry.key, roots);
        results[label] = new PluginBlockedError(entry.type, entry.name, roots);
        this.#logger.log("warn", "activate_all.blocked", { plugin: label, blockedBy: roots });
        continue;
      }
      try {
        const loadError = loadErrors.get(entry.key);
        if (loadError !== undefined) throw loadError;
        await this.activate(entry.type, entry.name, { timeoutMs: options.timeoutMs ?? this.#lifecycleTimeoutMs });
        results[label] = null;
      } catch (e) {
        entry.state = "failed";
        failedRoots.set(entry.key, [label]);
        results[label] = toError(e);
      }
    }
    return results;
  }

  /**
   * Runs `shutdown()` on every active plugin in exact reverse activation order, each under the lifecycle timeout.
   * Never throws: failures are logged and returned. Afterwards nothing is active.
   */
  async shutdownAll(options: { readonly timeoutMs?: number } = {}): Promise<LifecycleResults> {
    const results: LifecycleResults = {};
    const timeoutMs = options.timeoutMs ?? this.#lifecycleTimeoutMs;
    while (this.#activated.length > 0) {
      const entry = this.#entries.get(this.#activated.pop()!)!;
      const label = pluginLabel(entry.type, entry.name);
      entry.state = "inactive";
      try {
        await runHook("shutdown", () => entry.instance!.shutdown(), { timeoutMs, timer: this.#timer });
        results[label] = null;
      } catch (e) {
        results[label] = toError(e);
        this.#logger.log("warn", "shutdown_all.failed", { plugin: label, error: describeCause(e) });
      }
    }
    return results;
  }

  /** Health of every loaded plugin, checked concurrently with a timeout each. Never throws. */
  async healthCheckAll(options: { readonly timeoutMs?: number } = {}): Promise<Record<string, HealthStatus>> {
    const timeoutMs = options.timeoutMs ?? this.#healthCheckTimeoutMs;
    const entries = this.#loadedEntries();
    const statuses = await Promise.all(entries.map((e) => checkPluginHealth(e.instance!, timeoutMs, this.#timer)));
    const results: Record<string, HealthStatus> = {};
    entries.forEach((e, i) => {
      const label = pluginLabel(e.type, e.name);
      results[label] = statuses[i]!;
      if (statuses[i]!.state !== "healthy") this.#logger.log("warn", "health_check_all.not_healthy", { plugin: label, ...statuses[i] });
    });
    return results;
  }

  #newEntry(descriptor: PluginDescriptor | undefined, source: PluginSource, plugin?: Plugin): Entry {
    const type = descriptor?.type ?? plugin!.type;
    const name = descriptor?.name ?? plugin!.name;
    return {
      key: keyOf(type, name),
      type,
      name,
      source,
      descriptor,
      instance: undefined,
      loading: undefined,
      verdict: undefined,
      config: undefined,
      configured: false,
      state: "inactive",
      activating: undefined,
    };
  }

  #entry(type: PluginType, name: string): Entry {
    const entry = this.#entries.get(keyOf(type, name));
    if (entry === undefined) throw new PluginNotFoundError(type, name);
    return entry;
  }

  #loadedEntries(): Entry[] {
    return [...this.#entries.values()]
      .filter((e) => e.instance !== undefined)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The loaded class is authoritative; before loading, the manifest's declaration (if any). */
  #dependenciesOf(entry: Entry): readonly string[] {
    return entry.instance?.dependencies ?? entry.descriptor?.dependencies ?? [];
  }

  async #load(entry: Entry): Promise<Plugin> {
    try {
      const plugin = await loadPlugin(entry.descriptor!);
      // The manifest's API version was checked at discovery and the loader checked the class agrees; check the
      // loaded value anyway so no path can hand out an incompatible instance (SC-004).
      assertCompatible(plugin.name, plugin.apiVersion, this.platformApiVersion);
      entry.instance = plugin;
      this.#logger.log("debug", "get.loaded", { plugin: pluginLabel(entry.type, entry.name) });
      return plugin;
    } catch (e) {
      entry.verdict = e instanceof PluginError ? e : new PluginLoadError(entry.type, entry.name, describeCause(e), e);
      this.#logger.log("warn", "get.load_failed", { plugin: pluginLabel(entry.type, entry.name), error: entry.verdict.message });
      throw entry.verdict;
    } finally {
      entry.loading = undefined;
    }
  }

  async #activate(entry: Entry, timeoutMs: number): Promise<void> {
    const plugin = await this.get(entry.type, entry.name);
    const label = pluginLabel(entry.type, entry.name);
    try {
      await runHook("startup", (signal) => plugin.startup(signal), {
        timeoutMs,
        timer: this.#timer,
        onAbandonedSettle: (late) => {
          this.#logger.log("warn", "activate_plugin.abandoned_settled", { plugin: label, ok: late.ok });
          // A hook that finished after being abandoned may hold resources: release them, but never mark it active.
          if (late.ok) {
            void runHook("shutdown", () => plugin.shutdown(), { timeoutMs, timer: this.#timer }).catch((e: unknown) => {
              this.#logger.log("warn", "activate_plugin.abandoned_shutdown_failed", { plugin: label, error: describeCause(e) });
            });
          }
        },
      });
    } catch (e) {
      entry.state = "failed";
      this.#logger.log("warn", "activate_plugin.failed", { plugin: label, error: describeCause(e) });
      throw new PluginStartupError(entry.type, entry.name, e);
    }
    entry.state = "active";
    this.#activated.push(entry.key);
    this.#logger.log("info", "activate_plugin.done", { plugin: label });
  }

  #info(entry: Entry): PluginInfo {
    const d = entry.descriptor;
    // Once loaded the class is authoritative (the loader checked it agrees with whatever the manifest declares).
    const meta = entry.instance === undefined ? undefined : instanceMetadata(entry.instance);
    const apiVersion = meta?.apiVersion ?? d?.apiVersion;
    return {
      type: entry.type,
      name: entry.name,
      version: meta?.version ?? d!.version,
      apiVersion,
      description: meta?.description || d?.description || "",
      dependencies: meta?.dependencies ?? d?.dependencies,
      extras: d?.extras ?? meta!.extras,
      tools: meta?.tools ?? d?.tools,
      ...(d?.toolInstall === undefined ? {} : { toolInstall: d.toolInstall }),
      source: entry.source,
      packageName: d?.packageName,
      packageDir: d?.packageDir,
      compatible: apiVersion === undefined ? undefined : isCompatible(apiVersion, this.platformApiVersion),
      loaded: entry.instance !== undefined,
      configured: entry.configured,
      state: entry.state,
      error: entry.verdict?.message,
    };
  }
}

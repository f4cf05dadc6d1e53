/**
 * Error classes of the plugin framework. The registry errors keep the exact message shapes of the upstream
 * (floe) registry so logs and docs read the same; `T` in a message is the upper-case type, e.g. `COMPUTE`.
 */
import { pluginLabel, type PluginType } from "./plugin-type.ts";
import { escapeText, quoteText } from "./quote.ts";

/** Base class of every error raised by the plugin framework. */
export class PluginError extends Error {
  override name = "PluginError";
}

/** `Plugin not found: {T}:{name}` — the key was never discovered nor registered. */
export class PluginNotFoundError extends PluginError {
  override name = "PluginNotFoundError";
  readonly pluginType: PluginType;
  readonly pluginName: string;
  constructor(pluginType: PluginType, pluginName: string) {
    super(`Plugin not found: ${pluginLabel(pluginType, pluginName)}`);
    this.pluginType = pluginType;
    this.pluginName = pluginName;
  }
}

/** `Plugin '{name}' requires API v{required}, but platform provides v{platform}`. */
export class PluginIncompatibleError extends PluginError {
  override name = "PluginIncompatibleError";
  readonly pluginName: string;
  readonly requiredVersion: string;
  readonly platformVersion: string;
  constructor(pluginName: string, requiredVersion: string, platformVersion: string) {
    super(`Plugin '${pluginName}' requires API v${requiredVersion}, but platform provides v${platformVersion}`);
    this.pluginName = pluginName;
    this.requiredVersion = requiredVersion;
    this.platformVersion = platformVersion;
  }
}

/** One invalid config field: dotted path (`nested.port`), the rule's message, and the rule kind. */
export interface ConfigFieldError {
  readonly field: string;
  readonly message: string;
  readonly type: string;
}

/** `Configuration error for plugin '{name}': {errors}` with every field listed as `path: message (kind)`. */
export class PluginConfigurationError extends PluginError {
  override name = "PluginConfigurationError";
  readonly pluginName: string;
  readonly errors: readonly ConfigFieldError[];
  constructor(pluginName: string, errors: readonly ConfigFieldError[]) {
    const rendered = errors.map((e) => `${e.field || "(root)"}: ${e.message} (${e.type})`).join("; ");
    super(`Configuration error for plugin '${pluginName}': ${rendered}`);
    this.pluginName = pluginName;
    this.errors = errors;
  }
}

/** `Plugin startup failed: {T}:{name}`, plus ` - {cause}` when a cause is known. */
export class PluginStartupError extends PluginError {
  override name = "PluginStartupError";
  readonly pluginType: PluginType;
  readonly pluginName: string;
  constructor(pluginType: PluginType, pluginName: string, cause?: unknown) {
    const suffix = cause === undefined ? "" : ` - ${describeCause(cause)}`;
    super(`Plugin startup failed: ${pluginLabel(pluginType, pluginName)}${suffix}`, { cause });
    this.pluginType = pluginType;
    this.pluginName = pluginName;
  }
}

/** `Duplicate plugin: {T}:{name}`; `locations` names every package that declares the key. */
export class DuplicatePluginError extends PluginError {
  override name = "DuplicatePluginError";
  readonly pluginType: PluginType;
  readonly pluginName: string;
  readonly locations: readonly string[];
  constructor(pluginType: PluginType, pluginName: string, locations: readonly string[] = []) {
    super(`Duplicate plugin: ${pluginLabel(pluginType, pluginName)}`);
    this.pluginType = pluginType;
    this.pluginName = pluginName;
    this.locations = locations;
  }
}

/** `Circular dependency: a -> b -> a` — the cycle lists its start twice. */
export class CircularDependencyError extends PluginError {
  override name = "CircularDependencyError";
  readonly cycle: readonly string[];
  constructor(cycle: readonly string[]) {
    super(`Circular dependency: ${cycle.join(" -> ")}`);
    this.cycle = cycle;
  }
}

/** `Plugin '{name}' has missing dependencies: a, b`. */
export class MissingDependencyError extends PluginError {
  override name = "MissingDependencyError";
  readonly pluginName: string;
  readonly missing: readonly string[];
  constructor(pluginName: string, missing: readonly string[]) {
    super(`Plugin '${pluginName}' has missing dependencies: ${missing.join(", ")}`);
    this.pluginName = pluginName;
    this.missing = missing;
  }
}

/** A bare dependency name matches plugins of several types; the dependency must say `type:name`. */
export class AmbiguousDependencyError extends PluginError {
  override name = "AmbiguousDependencyError";
  readonly pluginName: string;
  readonly dependency: string;
  readonly candidates: readonly string[];
  constructor(pluginName: string, dependency: string, candidates: readonly string[]) {
    super(
      `Plugin '${pluginName}' has an ambiguous dependency '${dependency}': it matches ${candidates.join(", ")}; ` +
        `write it as type:name`,
    );
    this.pluginName = pluginName;
    this.dependency = dependency;
    this.candidates = candidates;
  }
}

/** An API version string that is neither `X.Y` nor `X.Y.Z`. */
export class InvalidVersionError extends PluginError {
  override name = "InvalidVersionError";
  readonly version: string;
  constructor(version: string) {
    super(`Invalid version format: '${version}'. Expected X.Y or X.Y.Z format (e.g., '1.0' or '1.0.0').`);
    this.version = version;
  }
}

/** `Plugin load failed: {T}:{name} - {reason}` — import, instantiation, or manifest/class mismatch. */
export class PluginLoadError extends PluginError {
  override name = "PluginLoadError";
  readonly pluginType: PluginType;
  readonly pluginName: string;
  readonly reason: string;
  constructor(pluginType: PluginType, pluginName: string, reason: string, cause?: unknown) {
    super(`Plugin load failed: ${pluginLabel(pluginType, pluginName)} - ${reason}`, { cause });
    this.pluginType = pluginType;
    this.pluginName = pluginName;
    this.reason = reason;
  }
}

/** `Plugin blocked: {T}:{name} - blocked by {T}:{dep}` — a dependency failed, so this one was not started. */
export class PluginBlockedError extends PluginError {
  override name = "PluginBlockedError";
  readonly pluginType: PluginType;
  readonly pluginName: string;
  readonly blockedBy: readonly string[];
  constructor(pluginType: PluginType, pluginName: string, blockedBy: readonly string[]) {
    super(`Plugin blocked: ${pluginLabel(pluginType, pluginName)} - blocked by ${blockedBy.join(", ")}`);
    this.pluginType = pluginType;
    this.pluginName = pluginName;
    this.blockedBy = blockedBy;
  }
}

/** `{hook}() timed out after {t}s` — the hook was abandoned, not awaited. */
export class HookTimeoutError extends PluginError {
  override name = "HookTimeoutError";
  readonly hook: string;
  readonly timeoutMs: number;
  constructor(hook: string, timeoutMs: number) {
    super(`${hook}() timed out after ${timeoutMs / 1000}s`);
    this.hook = hook;
    this.timeoutMs = timeoutMs;
  }
}

/** One thing a preflight found missing, with the command that installs it. */
export interface MissingRequirement {
  readonly kind: "extra" | "tool";
  readonly name: string;
  readonly installCommand: string;
}

/** Raised by a preflight: names each missing npm package or tool and how to install it. */
export class MissingRequirementError extends PluginError {
  override name = "MissingRequirementError";
  readonly pluginName: string;
  readonly missing: readonly MissingRequirement[];
  constructor(pluginName: string, missing: readonly MissingRequirement[]) {
    const lines = missing.map((m) => `${m.kind === "extra" ? "npm package" : "tool"} '${m.name}' (install: ${m.installCommand})`);
    super(`Plugin '${pluginName}' is missing requirements: ${lines.join("; ")}`);
    this.pluginName = pluginName;
    this.missing = missing;
  }
}

/**
 * `Refusing to clean up '{path}': {reason}. Allowed prefixes: {prefixes}` — a cleanup path the teardown refuses to
 * touch. The path and the prefixes are escaped ({@link quoteText}): they are user input; `reason` arrives escaped.
 */
export class UnsafeCleanupPathError extends PluginError {
  override name = "UnsafeCleanupPathError";
  readonly path: string;
  readonly allowedPrefixes: readonly string[];
  constructor(path: string, reason: string, allowedPrefixes: readonly string[]) {
    super(`Refusing to clean up ${quoteText(path)}: ${reason}. Allowed prefixes: ${allowedPrefixes.map(escapeText).join(", ")}`);
    this.path = path;
    this.allowedPrefixes = allowedPrefixes;
  }
}

/**
 * `Load generator '{name}' is unavailable: {reason}. Fix: {fix}` — the tool is not on PATH, does not run, or is
 * not the version the plugin drives. Raised by `LoadgenPlugin.probe` before any load.
 */
export class LoadgenUnavailableError extends PluginError {
  override name = "LoadgenUnavailableError";
  readonly generator: string;
  readonly reason: string;
  readonly fix: string;
  constructor(generator: string, reason: string, fix: string) {
    super(`Load generator '${generator}' is unavailable: ${reason}. Fix: ${fix}`);
    this.generator = generator;
    this.reason = reason;
    this.fix = fix;
  }
}

/**
 * `Load generator '{name}' failed: {reason} (log: {logPath})` — the tool exited abnormally or its output could not
 * be read; `reason` carries the exit code or signal and the tail of its stderr.
 */
export class LoadgenFailedError extends PluginError {
  override name = "LoadgenFailedError";
  readonly generator: string;
  readonly reason: string;
  readonly logPath: string;
  constructor(generator: string, reason: string, logPath: string, cause?: unknown) {
    super(`Load generator '${generator}' failed: ${reason} (log: ${logPath})`, { cause });
    this.generator = generator;
    this.reason = reason;
    this.logPath = logPath;
  }
}

/** The message of an unknown thrown value, for embedding in another message. */
export function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

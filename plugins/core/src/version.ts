/**
 * The plugin API version rule — the single source of truth (upstream had two constants that disagreed with
 * their own reference plugin, defect 3). There is deliberately no "minimum version" constant: the rule below
 * is the whole contract.
 */
import { InvalidVersionError, PluginIncompatibleError } from "./errors.ts";

/** The plugin API this platform provides. Plugins declare the API they were written against in `apiVersion`. */
export const PLUGIN_API_VERSION = "1.0";

/** A parsed API version; a patch component, when given, carries no compatibility meaning. */
export interface ApiVersion {
  readonly major: number;
  readonly minor: number;
}

const VERSION_PATTERN = /^(0|[1-9]\d*)\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?$/;

/** Parses `X.Y` or `X.Y.Z` (the patch is ignored); anything else throws {@link InvalidVersionError}. */
export function parseApiVersion(version: string): ApiVersion {
  const m = VERSION_PATTERN.exec(version);
  if (!m) throw new InvalidVersionError(version);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/**
 * True when a plugin written against `pluginApi` runs on a platform providing `platformApi`:
 * same major, and plugin minor ≤ platform minor. Throws {@link InvalidVersionError} on a malformed version.
 */
export function isCompatible(pluginApi: string, platformApi: string = PLUGIN_API_VERSION): boolean {
  const plugin = parseApiVersion(pluginApi);
  const platform = parseApiVersion(platformApi);
  return plugin.major === platform.major && plugin.minor <= platform.minor;
}

/** Throws {@link PluginIncompatibleError} (or {@link InvalidVersionError}) unless the plugin is compatible. */
export function assertCompatible(pluginName: string, pluginApi: string, platformApi: string = PLUGIN_API_VERSION): void {
  if (!isCompatible(pluginApi, platformApi)) throw new PluginIncompatibleError(pluginName, pluginApi, platformApi);
}

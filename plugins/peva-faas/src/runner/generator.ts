/**
 * Finding the configured load generator: the `loadgen` plugin named by `loadgen.type`, through the plugin registry
 * (so a generator is a plugin like any other; a third-party one is found and configured the same way, though the
 * lab plan only knows how to ship the in-tree generators' tools), configured with the generator's own settings.
 * Also the environment its processes get: only what a load tool needs.
 */
import { PluginRegistry, silentLogger, type LoadgenPlugin } from "@peva-lab/core";
import type { WorkloadConfig } from "../config/parse.ts";

/** Environment variables a load generator may see; everything else (tokens, passphrases) stays behind. */
const GENERATOR_ENV_KEYS = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR"] as const;

/** The subset of `env` a generator's processes get (see {@link GENERATOR_ENV_KEYS}). */
export function generatorEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of GENERATOR_ENV_KEYS) {
    const v = env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The generator's own settings: the `loadgen` block without the keys the workload reads itself. */
function generatorSettings(loadgen: WorkloadConfig["loadgen"]): Record<string, unknown> {
  const { type: _type, request_timeout: _timeout, ...own } = loadgen;
  return own;
}

/**
 * Loads and configures the `loadgen` plugin named by `loadgen.type`, discovered from the project at `root`.
 * Throws the registry's `PluginNotFoundError` for an unknown name and `PluginConfigurationError` for bad settings.
 */
export async function loadGenerator(loadgen: WorkloadConfig["loadgen"], root: string): Promise<LoadgenPlugin> {
  const registry = new PluginRegistry({ logger: silentLogger });
  registry.discover({ root });
  await registry.configure("loadgen", loadgen.type, generatorSettings(loadgen));
  return registry.get("loadgen", loadgen.type);
}

/**
 * Reading a workload configuration from disk (edge module: file I/O only; the logic is in `parse.ts`).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import {
  ConfigError,
  applyEnvFallbacks,
  parseWorkloadConfig,
  resolveConfigSources,
  type ParsedWorkloadConfig,
} from "./parse.ts";

/** Reads a YAML (or JSON, a subset of YAML) document. Throws {@link ConfigError} when missing or unreadable. */
export function readConfigDocument(path: string): unknown {
  if (!existsSync(path)) throw new ConfigError([`config_path: Configuration file not found: ${path}`]);
  const text = readFileSync(path, "utf8");
  try {
    return parseYaml(text);
  } catch (err) {
    throw new ConfigError([`config_path: cannot parse ${path}: ${(err as Error).message}`]);
  }
}

/**
 * Loads and validates a workload configuration: `options.config_path` (if any) is read and merged under the
 * options, env fallbacks are applied, then everything is validated. A relative `config_path` is resolved
 * against `baseDir` (default: cwd).
 */
export function loadWorkloadConfig(
  options: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>> = process.env,
  baseDir = process.cwd(),
): ParsedWorkloadConfig {
  const configPath = options["config_path"];
  let fileDoc: unknown = undefined;
  if (typeof configPath === "string") {
    fileDoc = readConfigDocument(isAbsolute(configPath) ? configPath : resolve(baseDir, configPath));
  }
  return parseWorkloadConfig(applyEnvFallbacks(resolveConfigSources(fileDoc, options), env));
}

/** Loads a spec file whose top level is the workload config itself (or the `common`/`plugins` layout). */
export function loadWorkloadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParsedWorkloadConfig {
  const doc = readConfigDocument(path);
  const isLayered =
    typeof doc === "object" && doc !== null && ("common" in doc || "plugins" in doc);
  const merged = isLayered ? resolveConfigSources(doc, {}) : ((doc ?? {}) as Record<string, unknown>);
  if (typeof merged !== "object" || Array.isArray(merged)) {
    throw new ConfigError(["<root>: Config file must contain a mapping at the top level."]);
  }
  return loadWorkloadConfig(merged, env, dirname(path));
}

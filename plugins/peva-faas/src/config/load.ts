/**
 * Reading a workload configuration from disk (edge module: file I/O only; the logic is in `parse.ts`).
 */
import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError, parseWorkloadConfig, resolveConfigSources, type ParsedWorkloadConfig } from "./parse.ts";

/** Reads a YAML (or JSON, a subset of YAML) document. Throws {@link ConfigError} when missing or unreadable. */
export function readConfigDocument(path: string): unknown {
  if (!existsSync(path)) throw new ConfigError([`<root>: Configuration file not found: ${path}`]);
  const text = readFileSync(path, "utf8");
  try {
    return parseYaml(text);
  } catch (err) {
    throw new ConfigError([`<root>: cannot parse ${path}: ${(err as Error).message}`]);
  }
}

/**
 * Loads and validates a settings file whose top level is the workload config itself, or upstream's layered
 * `common` / `plugins.peva_faas` layout (merged by {@link resolveConfigSources}).
 */
export function loadWorkloadConfigFile(path: string): ParsedWorkloadConfig {
  const doc = readConfigDocument(path);
  const isLayered = typeof doc === "object" && doc !== null && ("common" in doc || "plugins" in doc);
  const merged = isLayered ? resolveConfigSources(doc, {}) : (doc ?? {});
  if (typeof merged !== "object" || Array.isArray(merged)) {
    throw new ConfigError(["<root>: Config file must contain a mapping at the top level."]);
  }
  return parseWorkloadConfig(merged);
}

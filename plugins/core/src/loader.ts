/**
 * Loads a discovered plugin: dynamic `import()` of its entry, instantiation, and a check that the instance
 * fulfils its type's contract and agrees with its manifest (so metadata read without loading stays truthful).
 */
import { pathToFileURL } from "node:url";
import { missingContractMembers, type PluginOfType } from "./contracts/members.ts";
import type { Plugin } from "./contracts/plugin.ts";
import { describeCause, PluginLoadError } from "./errors.ts";
import type { PluginDescriptor } from "./manifest.ts";
import type { PluginType } from "./plugin-type.ts";

/** Metadata of an instance, with the base-class defaults applied (plain-JavaScript plugins may omit them). */
export interface InstanceMetadata {
  readonly type: PluginType;
  readonly name: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly description: string;
  readonly dependencies: readonly string[];
  readonly extras: readonly string[];
  readonly tools: readonly string[];
}

/** Reads an instance's metadata, applying defaults for the optional members. */
export function instanceMetadata(plugin: Plugin): InstanceMetadata {
  return {
    type: plugin.type,
    name: plugin.name,
    version: plugin.version,
    apiVersion: plugin.apiVersion,
    description: plugin.description ?? "",
    dependencies: [...(plugin.dependencies ?? [])],
    extras: [...(plugin.requiredExtras ?? [])].sort(),
    tools: [...(plugin.requiredTools ?? [])].sort(),
  };
}

/**
 * Imports `descriptor.entryPath` and returns the plugin instance. Every failure is a {@link PluginLoadError}
 * naming the plugin and the reason; the original error is its `cause`.
 */
export async function loadPlugin<T extends PluginType>(descriptor: PluginDescriptor & { type: T }): Promise<PluginOfType<T>> {
  const { type, name } = descriptor;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(descriptor.entryPath).href)) as Record<string, unknown>;
  } catch (e) {
    throw new PluginLoadError(type, name, `import of ${descriptor.entryPath} failed: ${describeCause(e)}`, e);
  }
  const exported = mod["default"] ?? mod["plugin"];
  if (exported === undefined) {
    throw new PluginLoadError(type, name, `${descriptor.entryPath} has neither a default export nor an export named 'plugin'`);
  }
  if (typeof exported !== "function") {
    throw new PluginLoadError(type, name, "the exported value is neither a plugin class nor a factory function");
  }

  let instance: unknown;
  try {
    // Classes cannot be called and factories need not be constructible, so tell them apart by their source.
    instance = isClass(exported)
      ? new (exported as new () => unknown)()
      : await (exported as () => unknown)();
  } catch (e) {
    throw new PluginLoadError(type, name, `creating the instance failed: ${describeCause(e)}`, e);
  }
  if (typeof instance !== "object" || instance === null) {
    throw new PluginLoadError(type, name, "the factory did not return an object");
  }

  const missing = missingContractMembers(type, instance);
  if (missing.length > 0) {
    throw new PluginLoadError(type, name, `does not implement the ${type} contract: missing ${missing.join(", ")}`);
  }
  const plugin = instance as PluginOfType<T>;
  const mismatches = metadataMismatches(descriptor, instanceMetadata(plugin));
  if (mismatches.length > 0) {
    throw new PluginLoadError(type, name, `class and manifest disagree: ${mismatches.join("; ")}`);
  }
  return plugin;
}

/**
 * Differences between the manifest and the instance, one `field: manifest X, class Y` per difference. Type, name
 * and version must always agree; API version, dependencies and tools only when the manifest declares them; the
 * class's extras must be runtime dependencies of the package (installing the package is how they get installed).
 */
export function metadataMismatches(descriptor: PluginDescriptor, meta: InstanceMetadata): string[] {
  const sorted = (v: readonly string[] | undefined) => (v === undefined ? undefined : [...new Set(v)].sort());
  const pairs: [string, unknown, unknown][] = [
    ["type", descriptor.type, meta.type],
    ["name", descriptor.name, meta.name],
    ["version", descriptor.version, meta.version],
  ];
  if (descriptor.apiVersion !== undefined) pairs.push(["apiVersion", descriptor.apiVersion, meta.apiVersion]);
  if (descriptor.dependencies !== undefined) pairs.push(["dependencies", sorted(descriptor.dependencies), sorted(meta.dependencies)]);
  if (descriptor.tools !== undefined) pairs.push(["tools", sorted(descriptor.tools), sorted(meta.tools)]);
  const mismatches = pairs
    .filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b))
    .map(([field, a, b]) => `${field}: manifest ${JSON.stringify(a)}, class ${JSON.stringify(b)}`);
  const notInstalled = meta.extras.filter((x) => !descriptor.packageDependencies.includes(x));
  if (notInstalled.length > 0) mismatches.push(`extras not in the package's dependencies: ${notInstalled.join(", ")}`);
  return mismatches;
}

function isClass(fn: unknown): boolean {
  return typeof fn === "function" && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * The plugin types of peva-lab and how they are named in keys and messages.
 * The lower-case value is what manifests use; the upper-case label is what errors print (`COMPUTE:duckdb`).
 */

/** Every plugin type, in a stable order (used for listings). */
export const PLUGIN_TYPES = [
  "workload",
  "platform",
  "provisioner",
  "loadgen",
  "telemetry",
  "memory",
  "policy",
  "compute",
  "catalog",
  "secrets",
  "reporter",
] as const;

/** One plugin type, e.g. `"compute"`. */
export type PluginType = (typeof PLUGIN_TYPES)[number];

/** Plugin names are lowercase alphanumerics with single hyphens, e.g. `peva-faas`. */
export const PLUGIN_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** True when `value` is one of {@link PLUGIN_TYPES}. */
export function isPluginType(value: unknown): value is PluginType {
  return typeof value === "string" && (PLUGIN_TYPES as readonly string[]).includes(value);
}

/** The enum-like upper-case name of a type, as printed in messages: `compute` → `COMPUTE`. */
export function pluginTypeLabel(type: PluginType): string {
  return type.toUpperCase();
}

/** The display key of a plugin, `TYPE:name`; also the key of every result map the registry returns. */
export function pluginLabel(type: PluginType, name: string): string {
  return `${pluginTypeLabel(type)}:${name}`;
}

/** A plugin's identity: names are unique within a type, not across types. */
export interface PluginKey {
  readonly type: PluginType;
  readonly name: string;
}

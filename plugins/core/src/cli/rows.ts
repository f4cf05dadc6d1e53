/**
 * What `peva-lab plugins` reports per plugin: metadata (no loading), whether its extras and tools are present,
 * the commands that install them, and — when asked — its health, which requires loading it.
 */
import { delimiter } from "node:path";
import { describeCause } from "../errors.ts";
import { installCommand, renderCommand } from "../extras.ts";
import { healthStatus, type HealthStatus } from "../health.ts";
import { PLUGIN_TYPES, pluginLabel } from "../plugin-type.ts";
import { findInstalledPackage, findOnPath, TOOL_INSTALL_COMMAND } from "../preflight.ts";
import type { PluginInfo, PluginRegistry } from "../registry.ts";

/** One plugin as the CLI shows it. */
export interface PluginRow {
  readonly info: PluginInfo;
  /** `undefined` when health was not checked (listing does not load code). */
  readonly health: HealthStatus | undefined;
  readonly missingExtras: readonly string[];
  readonly missingTools: readonly string[];
  /** Commands that install what is missing (empty when nothing is). */
  readonly installCommands: readonly string[];
}

/** Options of {@link collectPluginRows}. */
export interface CollectOptions {
  /** Load each plugin and run its health check. */
  readonly checkHealth: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly healthCheckTimeoutMs?: number;
  /** Only these plugins (the others are neither reported nor loaded). */
  readonly filter?: (info: PluginInfo) => boolean;
}

/** The command that installs a plugin's extras, depending on where the plugin lives. */
export function extrasInstallCommand(info: PluginInfo): string {
  if (info.source === "workspace" && info.packageName) return renderCommand(installCommand([info.packageName]));
  if (info.source === "user-dir" && info.packageDir) return renderCommand(["npm", "install", "--omit=dev", "--prefix", info.packageDir]);
  return "npm ci --omit=dev";
}

/** Rows for the registry's plugins, in `PLUGIN_TYPES` order, then by name. */
export async function collectPluginRows(registry: PluginRegistry, options: CollectOptions): Promise<PluginRow[]> {
  const pathDirs = (options.env ?? process.env)["PATH"]?.split(delimiter).filter(Boolean) ?? [];
  const missingExtrasOf = (info: PluginInfo) =>
    info.packageDir === undefined ? [] : info.extras.filter((x) => findInstalledPackage(x, info.packageDir!) === undefined);
  const infos = PLUGIN_TYPES.flatMap((t) => registry.list(t)).filter(options.filter ?? (() => true));

  const notLoaded = new Map<string, HealthStatus>();
  let health: Record<string, HealthStatus> = {};
  if (options.checkHealth) {
    for (const info of infos) {
      const label = pluginLabel(info.type, info.name);
      const missingExtras = missingExtrasOf(info);
      // A plugin whose extras are missing would only fail on its imports: say what is missing instead.
      if (info.error !== undefined) notLoaded.set(label, healthStatus("unhealthy", info.error));
      else if (missingExtras.length > 0) notLoaded.set(label, healthStatus("unhealthy", `not loaded: missing ${missingExtras.join(", ")}`));
      else {
        try {
          await registry.get(info.type, info.name);
        } catch (e) {
          notLoaded.set(label, healthStatus("unhealthy", describeCause(e)));
        }
      }
    }
    const timeout = options.healthCheckTimeoutMs === undefined ? {} : { timeoutMs: options.healthCheckTimeoutMs };
    health = await registry.healthCheckAll(timeout);
  }

  return infos.map((before) => {
    // Re-read: loading may have revealed the API version, tools and dependencies, or a load failure.
    const info = registry.info(before.type, before.name);
    const label = pluginLabel(info.type, info.name);
    const missingExtras = missingExtrasOf(info);
    const missingTools = (info.tools ?? []).filter((t) => findOnPath(t, pathDirs) === undefined);
    const installCommands = [
      ...(missingExtras.length > 0 ? [extrasInstallCommand(info)] : []),
      ...(missingTools.length > 0 ? [info.toolInstall ?? TOOL_INSTALL_COMMAND] : []),
    ];
    const status = options.checkHealth ? (notLoaded.get(label) ?? health[label]) : undefined;
    return { info, health: status, missingExtras, missingTools, installCommands };
  });
}

/** True when a row needs attention: incompatible, refused, missing requirements, or not healthy. */
export function rowHasProblem(row: PluginRow): boolean {
  return (
    row.info.compatible === false ||
    row.info.error !== undefined ||
    row.missingExtras.length > 0 ||
    row.missingTools.length > 0 ||
    row.health?.state === "unhealthy"
  );
}

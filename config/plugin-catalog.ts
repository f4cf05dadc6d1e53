/**
 * The plugins the stack config may name, from the plugin registry (in-tree workspaces, installed packages,
 * `PEVA_LAB_PLUGIN_DIR`). Workload and load-generator plugins are loaded to obtain their settings schemas (a
 * workload's `loadgen` block is checked by the generator it names); nothing else is loaded.
 */
import { PLUGIN_TYPES, PluginRegistry, resolveExtras, type PluginInfo } from "@peva-lab/core";
import type { z } from "zod";
import type { PluginConfigInfo } from "./validate.ts";

/** Known plugins and the npm workspaces that carry them. */
export interface PluginCatalog {
  readonly plugins: readonly PluginConfigInfo[];
  /** Sorted, de-duplicated workspaces to install on the runner for these enabled plugins (those with extras). */
  workspacesFor(enabled: readonly string[]): string[];
}

/** Builds the catalog for the project at `root`. */
export async function inTreePluginCatalog(root = process.cwd()): Promise<PluginCatalog> {
  const registry = new PluginRegistry();
  registry.discover({ root });
  const infos: PluginInfo[] = PLUGIN_TYPES.flatMap((t) => registry.list(t));
  const plugins: PluginConfigInfo[] = [];
  for (const info of infos) {
    if (info.type === "workload") {
      const plugin = await registry.get("workload", info.name);
      const schema = plugin.configSchema as z.ZodType | undefined;
      plugins.push({
        name: info.name,
        type: info.type,
        ...(schema ? { settingsSchema: schema } : {}),
        checkSettings: (settings, context) => plugin.checkSettings(schema ? schema.parse(settings) : settings, context),
      });
    } else if (info.type === "loadgen") {
      const plugin = await registry.get(info.type, info.name);
      const schema = plugin.configSchema as z.ZodType | undefined;
      plugins.push(schema ? { name: info.name, type: info.type, settingsSchema: schema } : { name: info.name, type: info.type });
    } else {
      plugins.push({ name: info.name, type: info.type });
    }
  }
  return {
    plugins: plugins.sort((a, b) => a.name.localeCompare(b.name)),
    workspacesFor(enabled) {
      const declarations = infos
        .filter((i) => enabled.includes(i.name) && i.packageName !== undefined)
        .map((i) => ({ workspace: i.packageName!, requiredExtras: i.extras }));
      return [...resolveExtras(declarations).workspaces];
    },
  };
}

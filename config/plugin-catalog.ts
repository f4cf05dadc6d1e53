/**
 * The plugins the stack config may name: in-tree workspaces under `plugins/*` declaring
 * `"peva-lab": { "plugins": [...] }` in their package.json. Reads manifests only; no plugin code is loaded.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { PluginConfigInfo } from "./validate.ts";

/** Known plugins and the npm workspaces that carry them. */
export interface PluginCatalog {
  readonly plugins: readonly PluginConfigInfo[];
  /** Sorted, de-duplicated workspaces to install on the runner for these enabled plugins. */
  workspacesFor(enabled: readonly string[]): string[];
}

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  "peva-lab"?: { plugins?: { type?: string; name?: string }[] };
}

/** Builds the catalog from `<root>/plugins/*\/package.json`. */
export async function inTreePluginCatalog(root = process.cwd()): Promise<PluginCatalog> {
  const dir = join(root, "plugins");
  const byPlugin = new Map<string, { workspace: string; hasExtras: boolean }>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(dir, entry.name, "package.json"), "utf8")) as Manifest;
    } catch {
      continue; // not a workspace package
    }
    const deps = Object.keys(manifest.dependencies ?? {}).filter((d) => !d.startsWith("@peva-lab/") && d !== "zod");
    for (const p of manifest["peva-lab"]?.plugins ?? []) {
      if (p.name) byPlugin.set(p.name, { workspace: manifest.name ?? entry.name, hasExtras: deps.length > 0 });
    }
  }
  return {
    plugins: [...byPlugin.keys()].sort().map((name) => ({ name })),
    workspacesFor(enabled) {
      const ws = new Set<string>();
      for (const name of enabled) {
        const p = byPlugin.get(name);
        if (p?.hasExtras) ws.add(p.workspace);
      }
      return [...ws].sort();
    },
  };
}

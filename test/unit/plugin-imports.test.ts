/**
 * Every package a plugin's code imports is declared in that plugin's own package.json. Host setup installs exactly
 * the enabled plugins' workspaces on remote hosts, so a dependency only the repository root declares works on this
 * machine and breaks the runner on a real host (`Cannot find package`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../support/toolchain.ts";

/** Bare package names imported by the TypeScript files under `dir` (tests excluded: they run on this machine). */
function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (entry === "node_modules" || entry === "test") continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry)) {
        const text = readFileSync(path, "utf8");
        for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`]*?from\s+"([^"]+)"|import\("([^"]+)"\)/g)) {
          const spec = m[1] ?? m[2]!;
          if (spec.startsWith(".") || spec.startsWith("node:") || builtinModules.includes(spec)) continue;
          found.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
        }
      }
    }
  };
  walk(dir);
  return found;
}

describe("plugin dependencies", () => {
  const plugins = readdirSync(join(REPO, "plugins")).filter((p) => statSync(join(REPO, "plugins", p, "package.json"), { throwIfNoEntry: false }));

  it.each(plugins)("%s declares every package its code imports", (plugin) => {
    const manifest = JSON.parse(readFileSync(join(REPO, "plugins", plugin, "package.json"), "utf8")) as {
      name: string;
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    const declared = new Set([manifest.name, ...Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies })]);
    const missing = [...importedPackages(join(REPO, "plugins", plugin))].filter((p) => !declared.has(p)).sort();
    expect(missing).toEqual([]);
  });
});

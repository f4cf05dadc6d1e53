/**
 * Finds plugins without loading their code, from three places:
 *  1. in-tree workspaces: `<root>/plugins/<pkg>/package.json`;
 *  2. installed packages: `<node_modules>/<pkg>/package.json` and `<node_modules>/@scope/<pkg>/package.json`;
 *  3. a user directory named by `PEVA_LAB_PLUGIN_DIR`, where every subdirectory is a plugin package.
 * A package reached twice (a workspace is also symlinked into node_modules) counts once. Broken candidates
 * are logged with their path and skipped. Two different packages declaring the same type and name are a
 * duplicate: neither is used, and the registry reports `DuplicatePluginError` for that key (no precedence rule,
 * so the outcome never depends on install order).
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { DuplicatePluginError } from "./errors.ts";
import { stderrLogger, type Logger } from "./logger.ts";
import {
  hasManifest,
  MANIFEST_KEY,
  parsePackageManifest,
  type DiscoveryProblem,
  type PluginDescriptor,
  type PluginSource,
} from "./manifest.ts";
import { pluginLabel } from "./plugin-type.ts";

/** The environment variable naming the user plugin directory. */
export const PLUGIN_DIR_ENV = "PEVA_LAB_PLUGIN_DIR";

/** Where to look. */
export interface DiscoveryOptions {
  /** Repository root: its `plugins/*` are the in-tree workspaces. */
  readonly root: string;
  /** node_modules directories to scan; defaults to `<root>/node_modules`. */
  readonly nodeModules?: readonly string[];
  /** User plugin directory; defaults to `env.PEVA_LAB_PLUGIN_DIR`. */
  readonly userDir?: string;
  /** Environment to read `PEVA_LAB_PLUGIN_DIR` from; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
}

/** What discovery found. */
export interface DiscoveryResult {
  /** Usable plugins, unique by (type, name), sorted by type then name. */
  readonly plugins: PluginDescriptor[];
  /** Candidates (or single entries) that were skipped. */
  readonly problems: DiscoveryProblem[];
  /** Keys declared by more than one package; none of those packages is in `plugins`. */
  readonly duplicates: DuplicateGroup[];
  /** Number of candidate packages examined. */
  readonly candidates: number;
}

/** One key declared by several packages. */
export interface DuplicateGroup {
  readonly error: DuplicatePluginError;
  readonly descriptors: readonly PluginDescriptor[];
}

interface Candidate {
  readonly dir: string;
  readonly source: PluginSource;
  /** In a user dir every subdirectory must be a plugin package; elsewhere non-plugins are simply ignored. */
  readonly mustBePlugin: boolean;
}

/** Scans every source and returns the plugins, the problems and the duplicates. Never throws on bad input. */
export function discoverPlugins(options: DiscoveryOptions): DiscoveryResult {
  const logger = options.logger ?? stderrLogger;
  const env = options.env ?? process.env;
  const userDir = options.userDir ?? env[PLUGIN_DIR_ENV];
  const candidates: Candidate[] = [
    ...subdirs(join(options.root, "plugins")).map((dir) => ({ dir, source: "workspace" as const, mustBePlugin: false })),
    ...(options.nodeModules ?? [join(options.root, "node_modules")]).flatMap((nm) =>
      packageDirs(nm).map((dir) => ({ dir, source: "node_modules" as const, mustBePlugin: false })),
    ),
    ...(userDir ? subdirs(userDir).map((dir) => ({ dir, source: "user-dir" as const, mustBePlugin: true })) : []),
  ];

  const problems: DiscoveryProblem[] = [];
  const found: PluginDescriptor[] = [];
  const seen = new Set<string>();
  let examined = 0;
  for (const c of candidates) {
    const pkgPath = join(c.dir, "package.json");
    let text: string;
    let realDir: string;
    try {
      realDir = realpathSync(c.dir);
      if (seen.has(realDir)) continue;
      seen.add(realDir);
      text = readFileSync(pkgPath, "utf8");
    } catch (e) {
      if (c.mustBePlugin) problems.push({ path: pkgPath, reason: `cannot read: ${(e as Error).message}` });
      continue;
    }
    // Cheap pre-filter: most packages in node_modules are not plugins and are never parsed.
    if (!c.mustBePlugin && !text.includes(`"${MANIFEST_KEY}"`)) continue;
    examined++;
    let pkg: unknown;
    try {
      pkg = JSON.parse(text);
    } catch (e) {
      problems.push({ path: pkgPath, reason: `invalid JSON: ${(e as Error).message}` });
      continue;
    }
    if (!hasManifest(pkg)) {
      if (c.mustBePlugin) problems.push({ path: pkgPath, reason: `no "${MANIFEST_KEY}" manifest` });
      continue;
    }
    const parsed = parsePackageManifest(pkg, realDir, c.source);
    problems.push(...parsed.problems);
    for (const d of parsed.descriptors) {
      if (existsSync(d.entryPath)) found.push(d);
      else problems.push({ path: pkgPath, reason: `entry of ${pluginLabel(d.type, d.name)} not found: ${d.entryPath}` });
    }
  }

  const byKey = new Map<string, PluginDescriptor[]>();
  for (const d of found) {
    const key = `${d.type}:${d.name}`;
    byKey.set(key, [...(byKey.get(key) ?? []), d]);
  }
  const plugins: PluginDescriptor[] = [];
  const duplicates: DuplicateGroup[] = [];
  for (const group of byKey.values()) {
    const first = group[0]!;
    if (group.length === 1) plugins.push(first);
    else {
      const error = new DuplicatePluginError(first.type, first.name, group.map((d) => d.packageDir));
      duplicates.push({ error, descriptors: group });
    }
  }
  plugins.sort((a, b) => compare(a.type, b.type) || compare(a.name, b.name));

  for (const p of problems) logger.log("warn", "discover.skipped", { path: p.path, reason: p.reason });
  for (const { error } of duplicates) {
    logger.log("warn", "discover.duplicate", { plugin: error.message, locations: error.locations });
  }
  logger.log("info", "discover.done", { plugins: plugins.length, problems: problems.length, candidates: examined });
  return { plugins, problems, duplicates, candidates: examined };
}

/** Subdirectories (or symlinks to directories) of `dir`, sorted; none when `dir` does not exist. */
function subdirs(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((n) => join(dir, n)).filter(isDirectory);
}

/** Package directories in a node_modules: `pkg` and `@scope/pkg`, skipping `.bin` and other dot entries. */
function packageDirs(nodeModules: string): string[] {
  return subdirs(nodeModules).flatMap((dir) => {
    const base = basename(dir);
    if (base.startsWith(".")) return [];
    return base.startsWith("@") ? subdirs(dir) : [dir];
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

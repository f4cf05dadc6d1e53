/**
 * The teardown path guard: a cleanup path is only ever removed when, after resolving it against the workdir,
 * resolving `..` and following symlinks, it lies under an allowed prefix.
 */
import { existsSync, realpathSync } from "node:fs";
import { homedir as osHomedir } from "node:os";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { UnsafeCleanupPathError } from "./errors.ts";

/** Results directory of the PEVA-FAAS workload, relative to the workdir. */
export const RESULTS_PREFIX = join("benchmark_results", "peva_faas");
/** Default k6 workspace root, relative to the home directory. */
export const K6_WORKSPACE_DIR = ".peva_faas-k6";

/** Options of {@link resolveCleanupPath}. */
export interface CleanupPathOptions {
  /** Directory relative paths are resolved against (the runner's workdir). */
  readonly workdir: string;
  /** Where cleanup may act (absolute, `~/…`, or relative to `workdir`); defaults to {@link defaultCleanupPrefixes}. */
  readonly allowedPrefixes?: readonly string[];
  /** The k6 workspace root used by the default prefixes; defaults to `~/.peva_faas-k6`. */
  readonly k6WorkspaceRoot?: string;
  /** Home directory for `~`; defaults to the user's. */
  readonly homedir?: string;
  /**
   * Real path of an absolute path (the longest existing ancestor resolved, the rest appended); defaults to this
   * machine's {@link realpathOfLongestExisting}. A remote host's paths are resolved on that host: the caller
   * passes a lookup filled there (see {@link cleanupRealpathQueries}).
   */
  readonly realpath?: (absolutePath: string) => string;
}

/** `<workdir>/benchmark_results/peva_faas` and the k6 workspace root. */
export function defaultCleanupPrefixes(workdir: string, k6WorkspaceRoot?: string, home: string = osHomedir()): string[] {
  return [resolve(workdir, RESULTS_PREFIX), expandHome(k6WorkspaceRoot ?? join("~", K6_WORKSPACE_DIR), home)];
}

/**
 * The real absolute path cleanup may remove, or an {@link UnsafeCleanupPathError} naming the path and the
 * allowed prefixes. Refuses empty paths, paths that leave the prefixes through `..`, absolute paths elsewhere,
 * and paths that escape through a symlink.
 */
export function resolveCleanupPath(path: string, options: CleanupPathOptions): string {
  const home = options.homedir ?? osHomedir();
  const prefixes = (options.allowedPrefixes ?? defaultCleanupPrefixes(options.workdir, options.k6WorkspaceRoot, home)).map(
    (p) => resolve(options.workdir, expandHome(p, home)),
  );
  const refuse = (reason: string): never => {
    throw new UnsafeCleanupPathError(path, reason, prefixes);
  };
  if (path.trim() === "") refuse("the path is empty");
  if (path.includes("\0")) refuse("the path contains a NUL byte");
  if (prefixes.length === 0) refuse("no prefix is allowed");

  const lexical = resolve(options.workdir, expandHome(path, home));
  const realpath = options.realpath ?? realpathOfLongestExisting;
  const real = realpath(lexical);
  const realPrefixes = prefixes.map((p) => realpath(p));
  if (realPrefixes.some((p) => isWithin(real, p))) return real;

  if (prefixes.some((p) => isWithin(lexical, p))) refuse(`it resolves through a symlink to '${real}'`);
  if (path.split(/[\\/]/).includes("..")) refuse(`'..' leads to '${lexical}', outside the allowed prefixes`);
  return refuse(isAbsolute(path) ? "the absolute path is outside the allowed prefixes" : `it resolves to '${lexical}', outside the allowed prefixes`);
}

/**
 * The absolute paths whose real paths {@link resolveCleanupPath} needs for `paths` (each candidate and every
 * prefix), so a caller can resolve them on the host that holds them before checking. Pure.
 */
export function cleanupRealpathQueries(paths: readonly string[], options: Omit<CleanupPathOptions, "realpath">): string[] {
  const asked = new Set<string>();
  for (const p of paths) {
    try {
      resolveCleanupPath(p, {
        ...options,
        realpath: (q) => {
          asked.add(q);
          return q;
        },
      });
    } catch {
      // refused on its face (empty, NUL): the real check refuses it again
    }
  }
  return [...asked];
}

/** True when `path` is `prefix` or below it (both absolute and normalized). Pure. */
export function isWithin(path: string, prefix: string): boolean {
  const p = prefix.endsWith(sep) ? prefix : prefix + sep;
  return path === prefix || path.startsWith(p);
}

/** Expands a leading `~` to `home`. Pure. */
export function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  return path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

/** `realpath` of the longest existing ancestor of an absolute path, with the rest appended. */
export function realpathOfLongestExisting(path: string): string {
  const rest: string[] = [];
  let current = path;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) break;
    rest.unshift(basename(current));
    current = parent;
  }
  return join(realpathSync(current), ...rest);
}

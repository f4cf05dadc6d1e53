/**
 * The teardown path guard: a cleanup path is only ever removed when, after resolving it against the workdir,
 * resolving `..` and following symlinks, it lies under an allowed prefix whose own real path stays within its
 * anchor (the workdir, the home directory, or its parent directory). {@link lexicalCleanupProblem} is the part of
 * the rule that needs no filesystem, for `pulumi preview`.
 */
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { homedir as osHomedir } from "node:os";
import { basename, dirname, isAbsolute, join, posix, resolve, sep } from "node:path";
import { UnsafeCleanupPathError } from "./errors.ts";
import { escapeText, firstUnprintable, quoteText } from "./quote.ts";

/** Results directory of the PEVA-FAAS workload, relative to the workdir. */
export const RESULTS_PREFIX = posix.join("benchmark_results", "peva_faas");
/** Default k6 workspace root, relative to the home directory. */
export const K6_WORKSPACE_DIR = ".peva_faas-k6";
/** The default k6 workspace root as a prefix: `~/.peva_faas-k6`. */
const DEFAULT_K6_ROOT = `~/${K6_WORKSPACE_DIR}`;

/** Options of {@link resolveCleanupPath}. */
export interface CleanupPathOptions {
  /** Directory relative paths are resolved against (the runner's workdir). */
  readonly workdir: string;
  /**
   * Where cleanup may act; defaults to `benchmark_results/peva_faas` (relative) and the k6 workspace root. Each
   * prefix has an anchor its real path must stay within: the home directory for `~/…`, `workdir` for a relative
   * prefix, its parent directory for an absolute one.
   */
  readonly allowedPrefixes?: readonly string[];
  /** The k6 workspace root used by the default prefixes; defaults to `~/.peva_faas-k6`. */
  readonly k6WorkspaceRoot?: string;
  /** Home directory for `~`; defaults to the user's. */
  readonly homedir?: string;
  /**
   * Real path of an absolute path (the longest existing ancestor resolved, the rest appended); defaults to this
   * machine's {@link realpathOfLongestExisting}. Asked for the path, each prefix and each prefix's anchor. A remote
   * host's paths are resolved on that host: the caller passes a lookup filled there (see
   * {@link cleanupRealpathQueries}).
   */
  readonly realpath?: (absolutePath: string) => string;
}

/** `<workdir>/benchmark_results/peva_faas` and the k6 workspace root. */
export function defaultCleanupPrefixes(workdir: string, k6WorkspaceRoot?: string, home: string = osHomedir()): string[] {
  return [resolve(workdir, RESULTS_PREFIX), expandHome(k6WorkspaceRoot ?? DEFAULT_K6_ROOT, home)];
}

/** An allowed prefix and the directory its real path must stay within. */
interface AnchoredPrefix {
  /** The prefix, absolute and lexically resolved. */
  readonly path: string;
  /** Absolute and lexically resolved. */
  readonly anchor: string;
  /** The anchor as messages name it. */
  readonly anchorName: string;
}

/** Each allowed prefix with its anchor; the defaults keep their written forms, so each gets the anchor it names. Pure. */
function anchoredPrefixes(options: CleanupPathOptions, home: string): AnchoredPrefix[] {
  const workdir = resolve(options.workdir);
  return (options.allowedPrefixes ?? [RESULTS_PREFIX, options.k6WorkspaceRoot ?? DEFAULT_K6_ROOT]).map((prefix) => {
    if (prefix === "~" || prefix.startsWith("~/")) return { path: resolve(expandHome(prefix, home)), anchor: resolve(home), anchorName: "the home directory" };
    if (isAbsolute(prefix)) {
      const path = resolve(prefix);
      return { path, anchor: dirname(path), anchorName: "its parent directory" };
    }
    return { path: resolve(workdir, prefix), anchor: workdir, anchorName: "the workdir" };
  });
}

/**
 * The real absolute path cleanup may remove, or an {@link UnsafeCleanupPathError} naming the path and the
 * allowed prefixes. Refuses empty paths and paths with control or bidi characters, paths that leave the prefixes
 * through `..`, absolute paths elsewhere, paths that escape through a symlink, and every path under a prefix whose
 * own real path leaves its anchor (e.g. `benchmark_results/peva_faas` itself a symlink to `/srv`).
 */
export function resolveCleanupPath(path: string, options: CleanupPathOptions): string {
  const home = options.homedir ?? osHomedir();
  const prefixes = anchoredPrefixes(options, home);
  const shown = prefixes.map((p) => p.path);
  const refuse = (reason: string): never => {
    throw new UnsafeCleanupPathError(path, reason, shown);
  };
  const textual = textProblem(path);
  if (textual !== undefined) refuse(textual);
  if (prefixes.length === 0) refuse("no prefix is allowed");

  const ask = options.realpath ?? realpathOfLongestExisting;
  const realpath = (query: string): string => {
    let answer: string;
    try {
      answer = ask(query);
    } catch (e) {
      return refuse(`the real path of ${quoteText(query)} cannot be resolved: ${escapeText(e instanceof Error ? e.message : String(e))}`);
    }
    // A remote host's answer: absolute, and normalized (a trailing slash would make `rm` follow a final symlink).
    if (!isAbsolute(answer)) refuse(`the real path of ${quoteText(query)} is not absolute: ${quoteText(answer)}`);
    return resolve(answer);
  };
  const lexical = resolve(options.workdir, expandHome(path, home));
  // Every real path is asked before any verdict, so cleanupRealpathQueries (which records the questions) has them all.
  const real = realpath(lexical);
  const resolved = prefixes.map((p) => ({ ...p, real: realpath(p.path), realAnchor: realpath(p.anchor) }));

  for (const p of resolved) {
    if (!isWithin(p.real, p.realAnchor) && isWithin(lexical, p.path)) {
      refuse(`the allowed prefix ${quoteText(p.path)} leads to ${quoteText(p.real)}, outside ${p.anchorName} ${quoteText(p.realAnchor)}`);
    }
  }
  if (resolved.some((p) => isWithin(p.real, p.realAnchor) && isWithin(real, p.real))) return real;

  if (prefixes.some((p) => isWithin(lexical, p.path))) refuse(`it resolves through a symlink to ${quoteText(real)}`);
  if (path.split(/[\\/]/).includes("..")) refuse(`'..' leads to ${quoteText(lexical)}, outside the allowed prefixes`);
  return refuse(isAbsolute(path) ? "the absolute path is outside the allowed prefixes" : `it resolves to ${quoteText(lexical)}, outside the allowed prefixes`);
}

/**
 * The absolute paths whose real paths {@link resolveCleanupPath} needs for `paths` (each candidate, every prefix
 * and every prefix's anchor: the workdir, the home directory, a parent directory), so a caller can resolve them on
 * the host that holds them before checking. Pure.
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
      // refused on its face (empty, NUL, control characters) before any question: the real check refuses it again
    }
  }
  return [...asked];
}

/** Why a path's text alone makes it no cleanup path (empty, NUL, an unprintable character), or undefined. Pure. */
function textProblem(path: string): string | undefined {
  if (path.trim() === "") return "the path is empty";
  if (path.includes("\0")) return "the path contains a NUL byte";
  const unprintable = firstUnprintable(path);
  return unprintable === undefined ? undefined : `the path contains the unprintable character ${unprintable}`;
}

/** A relative path normalized, anchored in the home directory (`~/…`) or the workdir. */
interface LexicalForm {
  readonly home: boolean;
  /** Normalized, no trailing slash; `.` for the anchor itself. */
  readonly rel: string;
}

function lexicalForm(path: string): LexicalForm {
  const home = path === "~" || path.startsWith("~/");
  const rel = posix.normalize(home ? path.slice(2) : path).replace(/\/+$/, "");
  return { home, rel: rel === "" ? "." : rel };
}

function lexicallyWithin(rel: string, prefix: string): boolean {
  if (prefix === ".") return rel !== ".." && !rel.startsWith("../");
  return rel === prefix || rel.startsWith(`${prefix}/`);
}

function showLexical(form: LexicalForm): string {
  if (!form.home) return form.rel;
  return form.rel === "." ? "~" : `~/${form.rel}`;
}

/**
 * Why `path` can never be a cleanup path, judged on its text alone (at `pulumi preview`, before any host is
 * reached), or undefined. A cleanup path is relative to the runner workdir or starts with `~/`, and its normalized
 * form lies under `benchmark_results/peva_faas` (in the workdir) or the k6 workspace root (`~/.peva_faas-k6` unless
 * given; an absolute root cannot be named by such a path). Refuses empty paths, control and bidi characters,
 * absolute paths and `~user` forms. Whatever passes is still checked against the real files on destroy
 * ({@link resolveCleanupPath}). Pure.
 */
export function lexicalCleanupProblem(path: string, k6WorkspaceRoot: string = DEFAULT_K6_ROOT): string | undefined {
  const textual = textProblem(path);
  if (textual !== undefined) return textual;
  if (posix.isAbsolute(path)) return "the path is absolute; a cleanup path is relative to the runner workdir or starts with '~/'";
  if (path.startsWith("~") && !lexicalForm(path).home) {
    return `${quoteText(path.split("/")[0]!)} names another user's home; a cleanup path starts with '~/' (the runner login user's home) or is relative to the runner workdir`;
  }
  const target = lexicalForm(path);
  const prefixes = [lexicalForm(RESULTS_PREFIX), ...(posix.isAbsolute(k6WorkspaceRoot) ? [] : [lexicalForm(k6WorkspaceRoot)])];
  if (prefixes.some((p) => p.home === target.home && lexicallyWithin(target.rel, p.rel))) return undefined;
  const allowed = prefixes.map((p) => (p.home ? quoteText(showLexical(p)) : `${quoteText(showLexical(p))} (in the runner workdir)`));
  return `it normalizes to ${quoteText(showLexical(target))}, outside the allowed prefixes ${allowed.join(", ")}`;
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

/** Linux's limit of symlinks followed in one resolution (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/**
 * `realpath` of the longest existing ancestor of an absolute path, with the rest appended. A dangling symlink is
 * followed to where it points (as GNU `realpath -m` does): a path through it lands there once the target exists.
 */
export function realpathOfLongestExisting(path: string): string {
  const rest: string[] = [];
  let current = resolve(path);
  for (let links = 0; ; links++) {
    while (!entryExists(current)) {
      const parent = dirname(current);
      if (parent === current) break;
      rest.unshift(basename(current));
      current = parent;
    }
    try {
      return join(realpathSync(current), ...rest);
    } catch (e) {
      const dangling = (e as NodeJS.ErrnoException).code === "ENOENT" && lstatSync(current).isSymbolicLink();
      if (!dangling || links >= MAX_SYMLINKS) throw e;
      current = resolve(realpathSync(dirname(current)), readlinkSync(current));
    }
  }
}

/** Whether a directory entry exists at `path`, a dangling symlink included (`existsSync` follows links). */
function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads `module:Export` entrypoints (custom policies and schedulers).
 *
 * Where a module may come from is a rule checked before any import: a relative path (from the project
 * directory), an absolute path or `file:` URL, or a package name, and in every case the file's real path
 * (symlinks resolved) must lie in an allowed root: the project directory, the project's `node_modules`, or a
 * directory of the `entrypoint_dirs` setting. Built-in modules and other URL schemes are refused.
 *
 * What the export may be is checked before anything of it runs: a class (checked on its prototype, then
 * constructed) or a ready object (checked as it is). Members are read through property descriptors, so a
 * getter or a Proxy trap cannot run during the check; a plain function is refused without being called.
 */
import { existsSync, realpathSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { types } from "node:util";
import { isWithin, quoteText } from "@peva-lab/core";
import { ENTRYPOINT_PATTERN } from "./config.ts";

/** Why loading an entrypoint failed, one value per failure. */
export type EntrypointErrorReason =
  /** The text is not `module:Export`. */
  | "invalid"
  /** The module is a Node.js built-in (`fs`, `node:child_process`, …). */
  | "builtin"
  /** The module is a URL of a scheme other than `file:` (`data:`, `http:`, …). */
  | "unsupported_scheme"
  /** No file or package of that name. */
  | "module_not_found"
  /** The module's real path lies outside every allowed root. */
  | "outside_roots"
  /** Importing the module threw. */
  | "load_failed"
  /** The module has no such export. */
  | "export_missing"
  /** The export is a function that is not a class: it is refused rather than called. */
  | "not_a_class"
  /** The export (or its prototype chain) is a Proxy, whose members cannot be read without running its code. */
  | "not_checkable"
  /** Required members are missing, not functions, or defined by accessors. */
  | "members_missing"
  /** The instance has a `then` member, which the loader's promise would call. */
  | "thenable";

/** Loading an entrypoint failed; `reason` says which rule or step. */
export class EntrypointError extends Error {
  override name = "EntrypointError";
  readonly reason: EntrypointErrorReason;
  constructor(reason: EntrypointErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Where entrypoint modules may come from. */
export interface EntrypointRoots {
  /** The project: relative paths resolve from it, and it (with its `node_modules`) is always an allowed root. */
  readonly projectDir: string;
  /** More allowed directories (the `entrypoint_dirs` setting): absolute, or relative to `projectDir`. */
  readonly entrypointDirs?: readonly string[];
}

/** Options of {@link loadEntrypoint}. */
export interface LoadEntrypointOptions extends EntrypointRoots {
  /** What the export must implement, for messages (e.g. `PolicyAlgorithm`). */
  readonly kind: string;
  /** Methods the instance must have. */
  readonly requiredMembers: readonly string[];
  /** Passed to the constructor. */
  readonly args?: unknown;
}

/** A parsed `module:Export`. */
export interface EntrypointSpec {
  readonly module: string;
  readonly exportName: string;
}

// Configuration text in messages goes through quoteText: a value cannot forge lines or terminal sequences.
const q = quoteText;

/** Splits `module:Export` at the last colon (so `file:///x.ts:Policy` works). */
export function parseEntrypoint(spec: string): EntrypointSpec {
  const m = ENTRYPOINT_PATTERN.exec(spec.trim());
  if (!m) throw new EntrypointError("invalid", `entrypoint ${q(spec)} must look like module:Export`);
  return { module: m[1]!, exportName: m[2]! };
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // A root that does not exist contains nothing; keep its resolved path for messages.
    return resolve(path);
  }
}

/**
 * The allowed roots as real paths: the project directory, its `node_modules` when that is a symlink to
 * elsewhere (otherwise it is inside the project already), and each `entrypointDirs` entry (relative ones from
 * the project). Duplicates are dropped.
 */
export function allowedEntrypointRoots(roots: EntrypointRoots): string[] {
  const project = realOrResolved(roots.projectDir);
  const candidates = [project];
  const modules = realOrResolved(join(roots.projectDir, "node_modules"));
  if (!isWithin(modules, project)) candidates.push(modules);
  for (const dir of roots.entrypointDirs ?? []) candidates.push(realOrResolved(resolve(roots.projectDir, dir)));
  return [...new Set(candidates)];
}

const SCHEME = /^([A-Za-z][A-Za-z\d+.-]*):/;

/**
 * Resolves the module part of an entrypoint to the file URL of its real path, or throws: `builtin` and
 * `unsupported_scheme` by rule before touching the file system, `module_not_found` listing where it looked,
 * `outside_roots` naming the real path and the allowed roots. `entrypoint` (the whole `module:Export`) is only
 * used in messages.
 */
export function resolveEntrypointModule(module: string, roots: EntrypointRoots, entrypoint: string = module): string {
  const allowed = allowedEntrypointRoots(roots);
  const rootList = allowed.map(q).join(", ");
  if (isBuiltin(module) || module.startsWith("node:")) {
    throw new EntrypointError(
      "builtin",
      `entrypoint ${q(entrypoint)} names the built-in module ${q(module)}: built-in modules cannot be entrypoints (allowed roots: ${rootList})`,
    );
  }
  const tried: string[] = [];
  const existing = (path: string): string | undefined => {
    tried.push(q(path));
    return existsSync(path) ? path : undefined;
  };
  let found: string | undefined;
  const scheme = isAbsolute(module) ? undefined : SCHEME.exec(module)?.[1];
  if (scheme !== undefined) {
    if (scheme.toLowerCase() !== "file") {
      throw new EntrypointError(
        "unsupported_scheme",
        `entrypoint ${q(entrypoint)} uses the ${q(`${scheme}:`)} scheme: only paths, package names and file: URLs are allowed (allowed roots: ${rootList})`,
      );
    }
    let path: string;
    try {
      path = fileURLToPath(module);
    } catch (error) {
      throw new EntrypointError("invalid", `entrypoint ${q(entrypoint)} is not a valid file URL: ${(error as Error).message}`, {
        cause: error,
      });
    }
    found = existing(path);
  } else if (isAbsolute(module)) found = existing(module);
  else if (/^\.\.?(\/|$)/.test(module)) found = existing(resolve(roots.projectDir, module));
  else found = resolvePackage(module, roots.projectDir, tried);
  if (found === undefined) {
    throw new EntrypointError(
      "module_not_found",
      `entrypoint ${q(entrypoint)}: module ${q(module)} not found (looked in: ${tried.join("; ")})`,
    );
  }
  let real: string;
  try {
    real = realpathSync(found);
  } catch (error) {
    // Removed or unreadable since the existence check.
    throw new EntrypointError("module_not_found", `entrypoint ${q(entrypoint)}: ${q(found)} cannot be resolved: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!allowed.some((root) => isWithin(real, root))) {
    const through = real === resolve(found) ? "" : ` (through ${q(found)})`;
    throw new EntrypointError(
      "outside_roots",
      `entrypoint ${q(entrypoint)} resolves to ${q(real)}${through}, outside the allowed roots (${rootList}); ` +
        "list its directory in entrypoint_dirs to allow it",
    );
  }
  return pathToFileURL(real).href;
}

/** A package name: the project's resolution first, then this plugin's; the caller checks where it landed. */
function resolvePackage(module: string, projectDir: string, tried: string[]): string | undefined {
  for (const from of [join(projectDir, "package.json"), fileURLToPath(import.meta.url)]) {
    tried.push(`${q(module)} from ${q(from)}`);
    try {
      const path = createRequire(from).resolve(module);
      // require.resolve answers a built-in's bare name for a package named like one: never a file here.
      if (isAbsolute(path)) return path;
    } catch {
      // Try the next base; ESM-only packages are tried with import.meta.resolve below.
    }
  }
  // import.meta.resolve is missing under some loaders (e.g. vitest's transform): skip the step there.
  if (typeof import.meta.resolve === "function") {
    try {
      const url = import.meta.resolve(module);
      if (url.startsWith("file:")) {
        const path = fileURLToPath(url);
        if (existsSync(path)) return path;
      }
    } catch {
      // Not resolvable from here either: reported by the caller.
    }
  }
  return undefined;
}

function notCheckable(entrypoint: string): EntrypointError {
  return new EntrypointError(
    "not_checkable",
    `${q(entrypoint)} is or inherits from a Proxy, whose members cannot be checked without running it: export a class or a plain object`,
  );
}

/** How a required member is present on an object (own or inherited), read without running any code. */
type MemberState = "method" | "accessor" | "missing";

function memberState(target: object, name: string, entrypoint: string): MemberState {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    // A Proxy's traps are its code: reading through one (even its prototype) would run it.
    if (types.isProxy(o)) throw notCheckable(entrypoint);
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d === undefined) continue;
    if ("value" in d) return typeof d.value === "function" ? "method" : "missing";
    return "accessor";
  }
  return "missing";
}

function checkMembers(target: object, entrypoint: string, kind: string, required: readonly string[], where: string): void {
  const states = required.map((m) => [m, memberState(target, m, entrypoint)] as const);
  const missing = states.filter(([, s]) => s === "missing").map(([m]) => m);
  const accessors = states.filter(([, s]) => s === "accessor").map(([m]) => m);
  if (missing.length === 0 && accessors.length === 0) return;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${missing.join(", ")}`);
  // A getter would have to run to tell what it returns; methods must be methods.
  if (accessors.length > 0) parts.push(`${accessors.join(", ")} ${accessors.length === 1 ? "is a getter" : "are getters"}, not a method`);
  throw new EntrypointError("members_missing", `${q(entrypoint)}${where} does not implement ${kind}: ${parts.join("; ")}`);
}

/** An export whose shape was checked: a class to construct, or a ready object. */
export type CheckedExport =
  | { readonly kind: "class"; readonly construct: (args: unknown) => unknown }
  | { readonly kind: "object"; readonly value: object };

function ownPrototype(fn: object): object | undefined {
  const d = Object.getOwnPropertyDescriptor(fn, "prototype");
  return d !== undefined && "value" in d && typeof d.value === "object" && d.value !== null ? (d.value as object) : undefined;
}

/** True when `fn` can be called with `new`; decided without calling it (it is only a new.target). */
function isConstructor(fn: object): boolean {
  try {
    Reflect.construct(Object, [], fn as new () => unknown);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks the shape of an exported value without constructing or calling anything: a class is checked on its
 * prototype, a function that is not a class is refused unless it is a constructor whose prototype implements
 * every required member, an object is checked as it is.
 */
export function checkExportShape(
  exported: unknown,
  entrypoint: string,
  kind: string,
  requiredMembers: readonly string[],
): CheckedExport {
  if (typeof exported === "function") {
    // Even reading its `prototype` would run a Proxy's trap.
    if (types.isProxy(exported)) throw notCheckable(entrypoint);
    const proto = ownPrototype(exported);
    const notAClass = (): EntrypointError =>
      new EntrypointError(
        "not_a_class",
        `${q(entrypoint)} is a function, not a class: export a class or an object implementing ${kind} (functions are not called)`,
      );
    if (proto === undefined) throw notAClass();
    if (/^class[\s{]/.test(Function.prototype.toString.call(exported))) {
      checkMembers(proto, entrypoint, kind, requiredMembers, "");
    } else if (!isConstructor(exported) || !requiredMembers.every((m) => memberState(proto, m, entrypoint) === "method")) {
      // A pre-class constructor counts when its prototype carries every member; any other function may be a
      // factory, which would have to run before its result could be checked.
      throw notAClass();
    }
    refuseThenable(proto, entrypoint, kind);
    const Ctor = exported as new (args: unknown) => unknown;
    return { kind: "class", construct: (args) => new Ctor(args) };
  }
  if (typeof exported !== "object" || exported === null) {
    throw new EntrypointError("members_missing", `${q(entrypoint)} export is not an object implementing ${kind}`);
  }
  checkMembers(exported, entrypoint, kind, requiredMembers, "");
  refuseThenable(exported, entrypoint, kind);
  return { kind: "object", value: exported };
}

/** Resolving the loader's promise with a thenable would call its `then`: code outside the contract. */
function refuseThenable(target: object, entrypoint: string, kind: string): void {
  if (memberState(target, "then", entrypoint) !== "missing") {
    throw new EntrypointError("thenable", `${q(entrypoint)} has a 'then' member: a ${kind} must not be thenable`);
  }
}

/**
 * Parses, resolves (under the roots rule) and imports an entrypoint; answers its export, not yet checked. The
 * export comes wrapped: resolving a promise with a thenable export would call its `then`.
 */
export async function importEntrypoint(spec: string, roots: EntrypointRoots): Promise<{ readonly exported: unknown }> {
  const { module, exportName } = parseEntrypoint(spec);
  const entrypoint = spec.trim();
  const url = resolveEntrypointModule(module, roots, entrypoint);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new EntrypointError(
      "load_failed",
      `entrypoint ${q(entrypoint)}: module ${q(module)} (${q(url)}) failed to load: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const exported = mod[exportName];
  if (exported === undefined) {
    const available = Object.keys(mod).sort().join(", ") || "none";
    throw new EntrypointError(
      "export_missing",
      `entrypoint ${q(entrypoint)}: module ${q(module)} has no export ${q(exportName)} (exports: ${available})`,
    );
  }
  return { exported };
}

/**
 * Loads and instantiates an entrypoint. The module must resolve inside the allowed roots; a class is checked on
 * its prototype before it is constructed, and its instance is checked again; a ready object is checked as it is;
 * a plain function is refused without being called.
 */
export async function loadEntrypoint<T>(spec: string, options: LoadEntrypointOptions): Promise<T> {
  const { exported } = await importEntrypoint(spec, options);
  const entrypoint = spec.trim();
  const checked = checkExportShape(exported, entrypoint, options.kind, options.requiredMembers);
  let value: object;
  if (checked.kind === "object") value = checked.value;
  else {
    const instance = checked.construct(options.args);
    if (typeof instance !== "object" || instance === null) {
      throw new EntrypointError("members_missing", `${q(entrypoint)} instance is not an object implementing ${options.kind}`);
    }
    // The constructor may have returned another object, or shadowed a method with something else.
    checkMembers(instance, entrypoint, options.kind, options.requiredMembers, " instance");
    value = instance;
  }
  refuseThenable(value, entrypoint, options.kind);
  return value as T;
}

/**
 * Loads `module:Export` entrypoints (custom policies and schedulers). The module resolves from the project
 * directory (relative path or installed package), from this plugin's own dependencies (a plugin package name),
 * or as an absolute path / file URL. The export may be a class, a factory function, or a ready object; its
 * members are checked before anything of it is called, and every failure names what was looked for.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ENTRYPOINT_PATTERN } from "./config.ts";

/** Loading an entrypoint failed; `reason` says which step. */
export class EntrypointError extends Error {
  override name = "EntrypointError";
  readonly reason: "invalid" | "module_not_found" | "load_failed" | "export_missing" | "members_missing";
  constructor(reason: EntrypointError["reason"], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Options of {@link loadEntrypoint}. */
export interface LoadEntrypointOptions {
  /** Where relative paths and package names resolve first. */
  readonly projectDir: string;
  /** What the export must implement, for messages (e.g. `PolicyAlgorithm`). */
  readonly kind: string;
  /** Methods the instance must have. */
  readonly requiredMembers: readonly string[];
  /** Passed to the constructor or factory. */
  readonly args?: unknown;
}

/** A parsed `module:Export`. */
export interface EntrypointSpec {
  readonly module: string;
  readonly exportName: string;
}

/** Splits `module:Export` at the last colon (so `file:///x.ts:Policy` works). */
export function parseEntrypoint(spec: string): EntrypointSpec {
  const m = ENTRYPOINT_PATTERN.exec(spec.trim());
  if (!m) throw new EntrypointError("invalid", `entrypoint '${spec}' must look like module:Export`);
  return { module: m[1]!, exportName: m[2]! };
}

/** Resolves the module part to a file URL, or throws `module_not_found` listing where it looked. */
export function resolveEntrypointModule(module: string, projectDir: string): string {
  const tried: string[] = [];
  const fileIfExists = (path: string): string | undefined => {
    tried.push(path);
    return existsSync(path) ? pathToFileURL(path).href : undefined;
  };
  let found: string | undefined;
  if (module.startsWith("file:")) found = fileIfExists(fileURLToPath(module));
  else if (isAbsolute(module)) found = fileIfExists(module);
  else if (module.startsWith("./") || module.startsWith("../")) found = fileIfExists(resolve(projectDir, module));
  else {
    // A package name: the project's node_modules first, then this plugin's (plugin packages of the workspace).
    for (const from of [join(projectDir, "package.json"), fileURLToPath(import.meta.url)]) {
      tried.push(`${module} from ${from}`);
      try {
        found = pathToFileURL(createRequire(from).resolve(module)).href;
        break;
      } catch {
        // Try the next base; ESM-only packages are tried with import.meta.resolve below.
      }
    }
    // import.meta.resolve is missing under some loaders (e.g. vitest's transform): skip the step there.
    if (found === undefined && typeof import.meta.resolve === "function") {
      try {
        const url = import.meta.resolve(module);
        if (!url.startsWith("file:") || existsSync(fileURLToPath(url))) found = url;
      } catch {
        // Not resolvable from here either: reported below.
      }
    }
  }
  if (found === undefined) {
    throw new EntrypointError("module_not_found", `module '${module}' not found (looked in: ${tried.join("; ")})`);
  }
  return found;
}

/** Members of `value` (own or inherited) that are missing or not functions. */
function missingMembers(value: object, required: readonly string[]): string[] {
  return required.filter((m) => typeof (value as Record<string, unknown>)[m] !== "function");
}

function isClass(fn: (...args: never[]) => unknown): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * Loads and instantiates an entrypoint. Classes are checked on their prototype before construction;
 * factories are called and their result checked; plain objects are checked as they are.
 */
export async function loadEntrypoint<T>(spec: string, options: LoadEntrypointOptions): Promise<T> {
  const { module, exportName } = parseEntrypoint(spec);
  const url = resolveEntrypointModule(module, options.projectDir);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new EntrypointError("load_failed", `module '${module}' (${url}) failed to load: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const exported = mod[exportName];
  if (exported === undefined) {
    const available = Object.keys(mod).sort().join(", ") || "none";
    throw new EntrypointError(
      "export_missing",
      `module '${module}' has no export '${exportName}' (exports: ${available})`,
    );
  }
  const describe = `${module}:${exportName}`;
  const check = (value: unknown, what: string): T => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      throw new EntrypointError("members_missing", `${describe} ${what} is not an object implementing ${options.kind}`);
    }
    const missing = missingMembers(value, options.requiredMembers);
    if (missing.length > 0) {
      throw new EntrypointError(
        "members_missing",
        `${describe} does not implement ${options.kind}: missing ${missing.join(", ")}`,
      );
    }
    return value as T;
  };
  if (typeof exported === "function") {
    // A constructor or a factory; which one decides whether the prototype can be checked before any call.
    const fn = exported as (...args: never[]) => unknown;
    const proto = (exported as { prototype?: unknown }).prototype;
    const looksLikeClass =
      isClass(fn) || (typeof proto === "object" && proto !== null && missingMembers(proto, options.requiredMembers).length === 0);
    if (looksLikeClass) {
      check(proto, "prototype");
      const Ctor = exported as new (args: unknown) => unknown;
      return check(new Ctor(options.args), "instance");
    }
    const factory = exported as (args: unknown) => unknown;
    return check(await factory(options.args), "factory result");
  }
  return check(exported, "export");
}

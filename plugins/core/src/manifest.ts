/**
 * The plugin manifest: a `"peva-lab"` key in a package's package.json listing the plugins it provides.
 * Parsing is pure; reading files is `discovery.ts`'s job.
 *
 * ```json
 * { "name": "@peva-lab/compute-duckdb", "version": "0.1.0", "dependencies": { "@duckdb/node-api": "1.5.6-r.1" },
 *   "peva-lab": { "plugins": [{ "type": "compute", "name": "duckdb", "entry": "./src/index.ts",
 *                               "apiVersion": "1.0", "extras": ["@duckdb/node-api"] }] } }
 * ```
 *
 * Only `type`, `name` and `entry` are required. `entry` is a module path relative to the package. The module's
 * default export — or, when it has none, its export named `plugin` — is either a plugin class (instantiated
 * with `new` and no arguments) or a factory function (called with no arguments, may be async) returning the
 * instance. The optional fields make facts known without loading code: `apiVersion` lets incompatible plugins
 * be refused at discovery, `extras` narrows what the package's runtime dependencies (the default) must provide.
 * Whatever a manifest declares, the loaded class must agree with.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { z } from "zod";
import { PLUGIN_NAME_PATTERN, PLUGIN_TYPES, type PluginType } from "./plugin-type.ts";
import { parseApiVersion } from "./version.ts";

/** The package.json key holding the manifest. */
export const MANIFEST_KEY = "peva-lab";

/** Where a plugin was found. `registered` means added in code through `register()`. */
export type PluginSource = "workspace" | "node_modules" | "user-dir" | "registered";

/** A discovered plugin: everything known about it without loading its code. */
export interface PluginDescriptor {
  readonly type: PluginType;
  readonly name: string;
  /** The package version. */
  readonly version: string;
  /** Declared API version; `undefined` means it is only known (and checked) once loaded. */
  readonly apiVersion: string | undefined;
  readonly description: string;
  /** Declared dependencies; `undefined` means the class's (known once loaded). */
  readonly dependencies: readonly string[] | undefined;
  /** npm packages the plugin imports: declared, else the package's runtime dependencies except `@peva-lab/*`. */
  readonly extras: readonly string[];
  /** Runtime dependencies of the package: everything installing its workspace provides. */
  readonly packageDependencies: readonly string[];
  /** Declared executables needed on PATH; `undefined` means the class's (known once loaded). */
  readonly tools: readonly string[] | undefined;
  /** How to install those tools, when it is not `scripts/bootstrap` (e.g. a tool the user installs themselves). */
  readonly toolInstall?: string;
  readonly source: PluginSource;
  readonly packageName: string;
  /** Real path of the package directory. */
  readonly packageDir: string;
  /** Absolute path of the entry module. */
  readonly entryPath: string;
}

/** A candidate that was skipped, and why. */
export interface DiscoveryProblem {
  readonly path: string;
  readonly reason: string;
}

const apiVersionSchema = z.string().refine(
  (v) => {
    try {
      parseApiVersion(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be X.Y or X.Y.Z (e.g. 1.0)" },
);

/** Schema of one manifest entry. */
export const manifestEntrySchema = z
  .object({
    type: z.enum(PLUGIN_TYPES),
    name: z.string().regex(PLUGIN_NAME_PATTERN, "must be lowercase alphanumerics and hyphens"),
    entry: z.string().min(1),
    apiVersion: apiVersionSchema.optional(),
    description: z.string().default(""),
    dependencies: z.array(z.string().min(1)).optional(),
    extras: z.array(z.string().min(1)).optional(),
    tools: z.array(z.string().min(1)).optional(),
    toolInstall: z.string().min(1).optional(),
  })
  .strict();

/** One validated manifest entry. */
export type ManifestEntry = z.output<typeof manifestEntrySchema>;

const packageSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  dependencies: z.record(z.string(), z.string()).default({}),
  [MANIFEST_KEY]: z.object({ plugins: z.array(z.unknown()) }),
});

/** Result of reading one package: its plugins, and whatever was wrong (each with the path). */
export interface ParsedPackage {
  readonly descriptors: PluginDescriptor[];
  readonly problems: DiscoveryProblem[];
}

/** True when a parsed package.json declares plugins at all (others are simply not plugin packages). */
export function hasManifest(pkg: unknown): boolean {
  return typeof pkg === "object" && pkg !== null && MANIFEST_KEY in pkg;
}

/**
 * Validates a parsed package.json and turns each valid manifest entry into a {@link PluginDescriptor}.
 * A bad entry is reported and skipped; the package's other entries still count.
 */
export function parsePackageManifest(pkg: unknown, packageDir: string, source: PluginSource): ParsedPackage {
  const pkgPath = resolve(packageDir, "package.json");
  const parsed = packageSchema.safeParse(pkg);
  if (!parsed.success) {
    return { descriptors: [], problems: [{ path: pkgPath, reason: `invalid manifest: ${formatIssues(parsed.error)}` }] };
  }
  const { name: packageName, version, dependencies: runtimeDeps } = parsed.data;
  const descriptors: PluginDescriptor[] = [];
  const problems: DiscoveryProblem[] = [];
  parsed.data[MANIFEST_KEY].plugins.forEach((raw, i) => {
    const where = `${pkgPath}#${MANIFEST_KEY}.plugins.${i}`;
    const entry = manifestEntrySchema.safeParse(raw);
    if (!entry.success) {
      problems.push({ path: where, reason: `invalid plugin entry: ${formatIssues(entry.error)}` });
      return;
    }
    const e = entry.data;
    const entryPath = resolve(packageDir, e.entry);
    const rel = relative(packageDir, entryPath);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      problems.push({ path: where, reason: `entry '${e.entry}' must be a module inside the package` });
      return;
    }
    // Extras are installed by installing the plugin's package, so each must be one of its runtime dependencies.
    const packageDependencies = Object.keys(runtimeDeps).sort();
    const extras = e.extras ?? packageDependencies.filter((d) => !d.startsWith("@peva-lab/"));
    const undeclared = extras.filter((x) => !(x in runtimeDeps));
    if (undeclared.length > 0) {
      problems.push({ path: where, reason: `extras not in the package's dependencies: ${undeclared.join(", ")}` });
      return;
    }
    descriptors.push({
      type: e.type,
      name: e.name,
      version,
      apiVersion: e.apiVersion,
      description: e.description,
      dependencies: e.dependencies,
      extras: [...new Set(extras)].sort(),
      packageDependencies,
      tools: e.tools === undefined ? undefined : [...new Set(e.tools)].sort(),
      ...(e.toolInstall === undefined ? {} : { toolInstall: e.toolInstall }),
      source,
      packageName,
      packageDir,
      entryPath,
    });
  });
  return { descriptors, problems };
}

/** Renders zod issues as `path: message` pairs. */
function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ");
}

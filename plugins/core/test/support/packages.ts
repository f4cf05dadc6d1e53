/** Test helpers: throw-away projects with plugin packages written as plain ESM JavaScript. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";

const made: string[] = [];
afterEach(() => {
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the current test. */
export function tempDir(prefix = "peva-core-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes `files` (path → content; objects are JSON) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string | object>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
}

/** Options of {@link pluginPackage}. */
export interface PluginPackageOptions {
  readonly packageName?: string;
  readonly version?: string;
  readonly type?: string;
  readonly name: string;
  /** Manifest fields beyond type/name/entry. */
  readonly manifest?: Record<string, unknown>;
  readonly dependencies?: Record<string, string>;
  /** Class body members (JavaScript) added to the generated class. */
  readonly body?: string;
  /** Class-level `apiVersion`; defaults to the manifest's or "1.0". */
  readonly apiVersion?: string;
  /** Replaces the whole generated module. */
  readonly module?: string;
}

/** Methods that satisfy each type's contract in the generated JavaScript classes. */
const CONTRACT_STUBS: Record<string, string> = {
  workload: "async preflight() { return { ok: true, missing: [] }; }\n  plan() { return { runs: [], estimatedSeconds: 0 }; }",
  platform: 'endpoints() { return { gatewayUrl: "http://127.0.0.1:8080", prometheusUrl: "http://127.0.0.1:9090" }; }\n  queriesFile() { return "/dev/null"; }',
  compute: "isSelfHosted = true;\n  generateDbtProfile() { return {}; }\n  getRequiredDbtPackages() { return []; }\n  async validateConnection() { return { status: \"healthy\", latencyMs: 0, message: \"\", warnings: [] }; }\n  getResourceRequirements() { return {}; }",
  policy: 'decide() { return { action: "run", reason: "" }; }',
  reporter: "async report() { return []; }",
};

/**
 * Files of one plugin package (relative to the package directory): package.json with a manifest and an
 * `index.js` exporting a duck-typed class (no import of @peva-lab/core, as a third-party plugin might be).
 */
export function pluginPackage(o: PluginPackageOptions): Record<string, string | object> {
  const type = o.type ?? "workload";
  const version = o.version ?? "0.1.0";
  const apiVersion = o.apiVersion ?? (o.manifest?.["apiVersion"] as string | undefined) ?? "1.0";
  const module =
    o.module ??
    `export default class P {
  type = ${JSON.stringify(type)};
  name = ${JSON.stringify(o.name)};
  version = ${JSON.stringify(version)};
  apiVersion = ${JSON.stringify(apiVersion)};
  startup() {}
  shutdown() {}
  healthCheck() { return { state: "healthy", message: "", details: {} }; }
  ${CONTRACT_STUBS[type] ?? ""}
  ${o.body ?? ""}
}
`;
  return {
    "package.json": {
      name: o.packageName ?? `peva-plugin-${o.name}`,
      version,
      type: "module",
      dependencies: o.dependencies ?? {},
      "peva-lab": { plugins: [{ type, name: o.name, entry: "./index.js", ...o.manifest }] },
    },
    "index.js": module,
  };
}

/** Writes a plugin package at `dir/<at>` and returns its directory. */
export function writePluginPackage(dir: string, at: string, o: PluginPackageOptions): string {
  const files = pluginPackage(o);
  writeFiles(join(dir, at), files);
  return join(dir, at);
}

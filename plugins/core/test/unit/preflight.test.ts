import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertPreflight, checkRequirements, findInstalledPackage, findOnPath, MissingRequirementError } from "../../src/index.ts";
import { tempDir, writeFiles } from "../support/packages.ts";

function project() {
  const root = tempDir();
  writeFiles(root, {
    "node_modules/apache-arrow/package.json": { name: "apache-arrow", version: "1.0.0" },
    "node_modules/@duckdb/node-api/package.json": { name: "@duckdb/node-api", version: "1.0.0" },
    "plugins/w/package.json": { name: "@peva-lab/w", version: "0.1.0" },
    "plugins/w/node_modules/local-only/package.json": { name: "local-only", version: "1.0.0" },
  });
  const bin = join(root, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "k6"), "#!/bin/sh\n");
  chmodSync(join(bin, "k6"), 0o755);
  writeFileSync(join(bin, "not-exec"), "");
  mkdirSync(join(bin, "a-dir"));
  return { root, bin, pluginDir: join(root, "plugins/w") };
}

describe("preflight", () => {
  it("finds extras where Node would, walking up node_modules from the plugin's directory", () => {
    const { root, pluginDir } = project();
    expect(findInstalledPackage("local-only", pluginDir)).toBe(join(pluginDir, "node_modules/local-only"));
    expect(findInstalledPackage("@duckdb/node-api", pluginDir)).toBe(join(root, "node_modules/@duckdb/node-api"));
    expect(findInstalledPackage("local-only", root)).toBeUndefined();
    expect(findInstalledPackage("nope", pluginDir)).toBeUndefined();
  });

  it("finds executable files on PATH only", () => {
    const { bin } = project();
    expect(findOnPath("k6", ["/nonexistent", bin])).toBe(join(bin, "k6"));
    expect(findOnPath("not-exec", [bin])).toBeUndefined();
    expect(findOnPath("a-dir", [bin])).toBeUndefined();
  });

  it("all present → ok", () => {
    const { bin, pluginDir } = project();
    const report = checkRequirements(
      { extras: ["apache-arrow", "local-only"], tools: ["k6"] },
      { resolveFrom: pluginDir, workspace: "@peva-lab/w", env: { PATH: bin } },
    );
    expect(report).toEqual({ ok: true, missing: [] });
    expect(() => assertPreflight("w", report)).not.toThrow();
  });

  it("a miss names the package or tool and the command that installs it", () => {
    const { bin, pluginDir } = project();
    const report = checkRequirements(
      { extras: ["apache-arrow", "@duckdb/duckdb-wasm"], tools: ["k6", "prometheus"] },
      { resolveFrom: pluginDir, workspace: "@peva-lab/w", env: { PATH: bin } },
    );
    expect(report).toEqual({
      ok: false,
      missing: [
        { kind: "extra", name: "@duckdb/duckdb-wasm", installCommand: "npm ci --omit=dev --workspace @peva-lab/w" },
        { kind: "tool", name: "prometheus", installCommand: "scripts/bootstrap" },
      ],
    });
    const run = () => assertPreflight("w", report);
    expect(run).toThrow(MissingRequirementError);
    expect(run).toThrow(
      "Plugin 'w' is missing requirements: npm package '@duckdb/duckdb-wasm' (install: npm ci --omit=dev --workspace @peva-lab/w); tool 'prometheus' (install: scripts/bootstrap)",
    );
  });

  it("the tool install command is configurable; an empty PATH finds nothing", () => {
    const { pluginDir } = project();
    const report = checkRequirements({ extras: [], tools: ["k6"] }, { resolveFrom: pluginDir, workspace: "w", env: {}, toolInstallCommand: "apt-get install k6" });
    expect(report.missing).toEqual([{ kind: "tool", name: "k6", installCommand: "apt-get install k6" }]);
  });
});

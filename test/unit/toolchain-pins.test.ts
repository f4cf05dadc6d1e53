/**
 * The bootstrap builds each Pulumi plugin at the version its npm SDK asks the engine for: a drift between
 * scripts/lib/go-tools.sh and the lockfile would leave the engine looking for a plugin that is not in the cache.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../support/toolchain.ts";

/** The `NAME=value` assignments of scripts/lib/go-tools.sh. */
function goToolPins(): Record<string, string> {
  const text = readFileSync(join(REPO, "scripts/lib/go-tools.sh"), "utf8");
  return Object.fromEntries([...text.matchAll(/^([A-Z0-9_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The locked version of an npm package, and the plugin version its own package.json asks for. */
function locked(name: string): { version: string; plugin?: string } {
  const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry) throw new Error(`${name} is not in package-lock.json; run npm install`);
  const manifest = JSON.parse(readFileSync(join(REPO, "node_modules", name, "package.json"), "utf8")) as { pulumi?: { version?: string } };
  return { version: entry.version, ...(manifest.pulumi?.version ? { plugin: manifest.pulumi.version } : {}) };
}

describe("plugin versions the bootstrap builds", () => {
  const pins = goToolPins();

  it("builds the Pulumi CLI at the SDK's version", () => {
    expect(pins["PULUMI_VERSION"]).toBe(locked("@pulumi/pulumi").version);
  });

  it("builds each provider at the version its SDK asks for", () => {
    expect(pins["COMMAND_VERSION"]).toBe(locked("@pulumi/command").plugin);
    expect(pins["K8S_VERSION"]).toBe(locked("@pulumi/kubernetes").plugin);
    expect(pins["K8S_VERSION"]).toBe(locked("@pulumi/kubernetes").version);
  });

  it("pins @pulumi/kubernetes exactly in package.json (a range could move the SDK off the built plugin)", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies["@pulumi/kubernetes"]).toBe(pins["K8S_VERSION"]);
  });
});

/**
 * Locating the bootstrap's toolchain from tests. A missing tool is a failure that names the fix, never a skip.
 */
import { existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { findOnPath } from "@peva-lab/core";

/** Repository root. */
export const REPO = resolve(import.meta.dirname, "../..");
/** Where the bootstrap installs the Pulumi CLI and its plugins. */
export const PULUMI_ROOT = join(REPO, ".tools/pulumi");
/** The bootstrap's PULUMI_HOME (plugin cache with the command provider). */
export const PULUMI_HOME = join(REPO, ".tools/pulumi-home");

/** PATH with the bootstrap's tools first. */
export function toolPath(): string {
  return [join(REPO, ".tools/node24/node_modules/.bin"), join(PULUMI_ROOT, "bin"), join(REPO, ".tools/bin"), process.env["PATH"] ?? ""].join(
    delimiter,
  );
}

/** Absolute path of a bootstrap-installed or system tool; throws with the fix when absent. */
export function requireTool(name: string): string {
  const found = findOnPath(name, toolPath().split(delimiter).filter(Boolean));
  if (found) return found;
  throw new Error(`${name} is not installed; run \`make bootstrap\` (scripts/bootstrap) to install it`);
}

/**
 * The bootstrap's resource plugin `name` at `version` in the plugin cache (the engine never downloads one here);
 * throws with the fix when absent.
 */
export function requireResourcePlugin(name: string, version: string): string {
  const binary = join(PULUMI_HOME, "plugins", `resource-${name}-v${version}`, `pulumi-resource-${name}`);
  if (existsSync(binary)) return binary;
  throw new Error(`the Pulumi resource plugin ${name} ${version} is not in ${PULUMI_HOME}/plugins; run \`make bootstrap\` (scripts/bootstrap) to build it`);
}

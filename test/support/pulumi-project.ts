/**
 * A throw-away copy of the peva-lab project driven through the Pulumi Automation API with the real CLI, the
 * bootstrap's plugins and a file backend in a temp dir: what `make up` does, isolated from the developer's stacks.
 */
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { PULUMI_HOME, PULUMI_ROOT, REPO, requireTool, toolPath } from "./toolchain.ts";

/** The documented passphrase of the `local` stack. */
export const LOCAL_PASSPHRASE = "peva-lab-local";

const SKIP = new Set(["node_modules", ".tools", ".pulumi-state", "output", ".git", "benchmark_results"]);

/** A project copy with its own state backend. */
export interface ProjectCopy {
  readonly dir: string;
  readonly stateDir: string;
  /** Environment the CLI runs with. */
  readonly env: Record<string, string>;
  /** Creates or selects a stack of the copy. */
  stack(name: string): Promise<Stack>;
  /** Removes the copy (call after destroy). */
  remove(): Promise<void>;
}

/** Copies the project (sources only; node_modules is linked) into a temp dir. */
export async function copyProject(prefix = "peva-lab-e2e-"): Promise<ProjectCopy> {
  requireTool("pulumi");
  requireTool("pulumi-language-nodejs");
  requireTool("pulumi-resource-pulumi-nodejs");
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await cp(REPO, dir, { recursive: true, filter: (src) => !SKIP.has(basename(src)) });
  await symlink(join(REPO, "node_modules"), join(dir, "node_modules"));
  const stateDir = join(dir, ".pulumi-state");
  await mkdir(stateDir, { recursive: true });
  const env: Record<string, string> = {
    PATH: toolPath(),
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_HOME,
  };
  const pulumiCommand = await PulumiCommand.get({ root: PULUMI_ROOT });
  return {
    dir,
    stateDir,
    env,
    stack: (name) =>
      LocalWorkspace.createOrSelectStack({ stackName: name, workDir: dir }, { pulumiCommand, envVars: env, pulumiHome: PULUMI_HOME }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** URNs of the resources a stack's state holds. */
export async function stackUrns(stack: Stack): Promise<string[]> {
  const state = await stack.exportStack();
  const resources = (state.deployment as { resources?: { urn: string }[] }).resources ?? [];
  return resources.map((r) => r.urn);
}

/**
 * A throw-away copy of the peva-lab project driven through the Pulumi Automation API with the real CLI, the
 * bootstrap's plugins and a file backend in a temp dir: what `make up` does, isolated from the developer's stacks.
 */
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { cp, mkdir, mkdtemp, readdir, realpath, rm, symlink } from "node:fs/promises";
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
  await linkNodeModules(dir);
  // The bootstrap's toolchain, as a checkout has it (host setup copies the bundled vegeta from `.tools/bin`).
  await symlink(join(REPO, ".tools"), join(dir, ".tools"));
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

/**
 * Gives the copy a node_modules like a real checkout's: every package links to the repository's install, except
 * the workspace packages (`@peva-lab/*`), which link to the copy's own `plugins/*` (as npm links workspaces).
 */
async function linkNodeModules(dir: string): Promise<void> {
  const src = join(REPO, "node_modules");
  const dst = join(dir, "node_modules");
  await mkdir(join(dst, "@peva-lab"), { recursive: true });
  for (const entry of await readdir(src)) {
    if (entry !== "@peva-lab") await symlink(join(src, entry), join(dst, entry));
  }
  for (const ws of await readdir(join(src, "@peva-lab"))) {
    const target = await realpath(join(src, "@peva-lab", ws));
    await symlink(join(dir, "plugins", basename(target)), join(dst, "@peva-lab", ws));
  }
}

/** URNs of the resources a stack's state holds. */
export async function stackUrns(stack: Stack): Promise<string[]> {
  const state = await stack.exportStack();
  const resources = (state.deployment as { resources?: { urn: string }[] }).resources ?? [];
  return resources.map((r) => r.urn);
}

/** The status the state records for the campaign run (readable even when `pulumi up` failed). */
export async function recordedRunStatus(stack: Stack): Promise<string | undefined> {
  const deployment = (await stack.exportStack()).deployment as { resources?: { type: string; outputs?: { status?: string } }[] };
  return deployment.resources?.find((r) => r.type.endsWith("peva-lab:BenchmarkRun"))?.outputs?.status;
}

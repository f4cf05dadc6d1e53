/**
 * The runner-host setup playbook, run by real Ansible against this machine (connection `local`) and over SSH
 * against a host in its own network namespace (test/support/netns-host.ts): it copies the bundled load generator
 * (vegeta, a static binary, so hosts without internet work), refuses a wrong one, and installs exactly the npm
 * workspaces of the enabled plugins from the lockfile, so two setups give the same tree and no root-only
 * dependency (Pulumi) reaches a runner.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startNetnsSshHost, type NetnsSshHost } from "../support/netns-host.ts";
import { REPO, requireTool, toolPath } from "../support/toolchain.ts";

const root = mkdtempSync(join(tmpdir(), "peva-runner-setup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Where the playbook runs: this machine (connection `local`) or a host reached over SSH. */
type Target = { readonly kind: "local" } | { readonly kind: "ssh"; readonly host: NetnsSshHost };

/** The bundled generator as runner setup receives it (plan/lab-plan.ts): the bootstrap's binary, its version. */
const VEGETA = { tool: "vegeta", version_args: ["-version"], binary: ".tools/bin/vegeta", version: "v12.13.0" };

function runPlaybook(workspaces: readonly string[], target: Target = { kind: "local" }, into = root, loadgens: readonly object[] = [VEGETA]): string {
  const ansible = requireTool("ansible-playbook");
  requireTool("vegeta");
  const extraVars = {
    peva_workdir: "unused-when-peva_root-is-set",
    peva_root: into,
    peva_workspaces: workspaces,
    peva_loadgens: loadgens,
    peva_bundle_dir: REPO,
  };
  const connection =
    target.kind === "local"
      ? ["-i", "localhost,", "-c", "local"]
      : [
          "-i",
          `${target.host.address},`,
          "-u",
          target.host.user,
          "--private-key",
          target.host.privateKey,
          "--ssh-common-args",
          target.host.sshOptions.join(" "),
        ];
  return execFileSync(ansible, [...connection, "-e", JSON.stringify(extraVars), join(REPO, "playbooks/setup-runner.yml")], {
    env: { ...process.env, PATH: toolPath(), ANSIBLE_NOCOLOR: "1", ANSIBLE_HOST_KEY_CHECKING: "False" },
    encoding: "utf8",
    timeout: 600_000,
  });
}

/** Every installed package directory with its version, sorted: the tree's fingerprint. */
function installedTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (nm: string, prefix: string) => {
    if (!existsSync(nm)) return;
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith(".")) continue;
      const path = join(nm, entry);
      if (entry.startsWith("@")) {
        walk(path, `${prefix}${entry}/`);
        continue;
      }
      const manifest = join(path, "package.json");
      if (!statSync(path).isDirectory() || !existsSync(manifest)) continue;
      const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version ?? "?";
      out.push(`${prefix}${entry}@${version}`);
      walk(join(path, "node_modules"), `${prefix}${entry}>`);
    }
  };
  walk(join(dir, "node_modules"), "");
  return out.sort();
}

describe("runner setup (Ansible, lock-backed extras)", () => {
  it("installs the bundled vegeta and only the enabled plugins' extras, and a second setup gives the same tree", () => {
    const first = runPlaybook(["@peva-lab/peva-faas", "@peva-lab/loadgen-vegeta"]);
    expect(first).toMatch(/failed=0/);
    expect(execFileSync(join(root, "bin/vegeta"), ["-version"], { encoding: "utf8" })).toContain("Version: v12.13.0");
    const bundle = join(root, "bundle");
    const tree = installedTree(bundle);
    expect(tree.some((p) => p.startsWith("@duckdb/node-api@"))).toBe(true);
    expect(tree.some((p) => p.startsWith("apache-arrow@"))).toBe(true);
    // Root-only and other plugins' dependencies stay off the runner.
    expect(tree.filter((p) => p.startsWith("@pulumi/"))).toEqual([]);
    expect(tree.filter((p) => p.startsWith("figlet@"))).toEqual([]);

    const second = runPlaybook(["@peva-lab/peva-faas", "@peva-lab/loadgen-vegeta"]);
    expect(second).toMatch(/failed=0/);
    expect(installedTree(bundle)).toEqual(tree);
  });

  it("refuses a bundled generator that reports another version, and a user-installed tool that is missing", () => {
    const wrongVersion = mkdtempSync(join(tmpdir(), "peva-runner-wrong-"));
    const missing = mkdtempSync(join(tmpdir(), "peva-runner-missing-"));
    try {
      const run = (into: string, loadgens: readonly object[]): string => {
        try {
          runPlaybook([], { kind: "local" }, into, loadgens);
        } catch (e) {
          return String((e as { stdout?: unknown }).stdout ?? e);
        }
        throw new Error("the playbook succeeded");
      };
      expect(run(wrongVersion, [{ ...VEGETA, version: "v99.0.0" }])).toMatch(/Check the bundled load generator's version[\s\S]*failed=1/);
      // No k6 exists on this machine (AGPL-3.0: never installed by peva-lab), so the check must fail, naming it.
      expect(run(missing, [{ tool: "k6", version_args: ["version"], binary: "", version: "" }])).toMatch(/Check that a user-installed load generator is on PATH[\s\S]*k6/);
    } finally {
      rmSync(wrongVersion, { recursive: true, force: true });
      rmSync(missing, { recursive: true, force: true });
    }
  });

  it("sets up a host reached over SSH (its own network namespace) the same way", async () => {
    const host = await startNetnsSshHost();
    const remoteRoot = mkdtempSync(join(tmpdir(), "peva-runner-ssh-"));
    try {
      const out = runPlaybook(["@peva-lab/compute-duckdb"], { kind: "ssh", host }, remoteRoot);
      const recap = out.split("\n").find((line) => line.startsWith(host.address));
      expect(recap).toMatch(/unreachable=0\s+failed=0/);
      expect(execFileSync(join(remoteRoot, "bin/vegeta"), ["-version"], { encoding: "utf8" })).toContain("Version: v12.13.0");
      const tree = installedTree(join(remoteRoot, "bundle"));
      expect(tree.some((p) => p.startsWith("@duckdb/node-api@"))).toBe(true);
      expect(tree.filter((p) => p.startsWith("apache-arrow@"))).toEqual([]); // peva-faas's extra, not enabled here
      expect(tree.filter((p) => p.startsWith("@pulumi/"))).toEqual([]);
    } finally {
      host.stop();
      rmSync(remoteRoot, { recursive: true, force: true });
    }
  });
});

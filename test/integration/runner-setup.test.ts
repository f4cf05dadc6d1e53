/**
 * The host setup playbook, run by real Ansible against this machine (connection `local`) and over SSH against hosts
 * in their own network namespaces (test/support/netns-host.ts): it gives the runner `<root>/bin/node` (a link to the
 * host's Node >= 22.18, or the controller's Node copied where the host has none), copies the bundled load generator
 * (vegeta, a static binary, so hosts without internet work), refuses a wrong one, ships exactly the npm workspaces
 * of the enabled plugins installed from the lockfile on the controller, so a host with no npm, no npm cache and no
 * registry runs them, two setups give the same tree and no root-only dependency (Pulumi) reaches a runner, refuses
 * extras for a host unlike the controller (architecture, glibc), refuses a host presenting another key than the
 * pinned one, and names a required tool it cannot install. The SSH cases run the command text the component runs
 * (plan/commands.ts `ansibleRunnerSetup`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ansibleRunnerSetup, unameArch, type RequiredTool } from "../../plan/commands.ts";
import { startNetnsSshHost, type NetnsSshHost } from "../support/netns-host.ts";
import { REPO, requireTool, toolPath } from "../support/toolchain.ts";

const root = mkdtempSync(join(tmpdir(), "peva-runner-setup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Where the playbook runs: this machine (connection `local`) or a host reached over SSH. */
type Target = { readonly kind: "local" } | { readonly kind: "ssh"; readonly host: NetnsSshHost };

/** The bundled generator as runner setup receives it (plan/lab-plan.ts): the bootstrap's binary, its version. */
const VEGETA = { tool: "vegeta", version_args: ["-version"], binary: ".tools/bin/vegeta", version: "v12.13.0" };

/** This machine's architecture as uname names it, and one that is not it. */
const ARCH = unameArch(process.arch);
const OTHER_ARCH = ARCH === "aarch64" ? "x86_64" : "aarch64";

function runPlaybook(
  workspaces: readonly string[],
  target: Target = { kind: "local" },
  into = root,
  loadgens: readonly object[] = [VEGETA],
  more: Record<string, unknown> = {},
  env: Record<string, string> = {},
): string {
  const ansible = requireTool("ansible-playbook");
  requireTool("vegeta");
  const extraVars = {
    peva_workdir: "unused-when-peva_root-is-set",
    peva_root: into,
    peva_workspaces: workspaces,
    peva_loadgens: loadgens,
    peva_bundle_dir: REPO,
    peva_node_binary: process.execPath,
    peva_controller_arch: ARCH,
    ...more,
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
    env: { ...process.env, PATH: toolPath(), ANSIBLE_NOCOLOR: "1", ...env },
    encoding: "utf8",
    timeout: 600_000,
  });
}

/** Seconds since `start` (a `performance.now()`), one decimal. */
const secondsSince = (start: number): string => ((performance.now() - start) / 1000).toFixed(1);

/** ESM code printing what the DuckDB binding answers to `SELECT 42`: the native module loads and runs. */
const DUCKDB_PROBE =
  'const { DuckDBInstance } = await import("@duckdb/node-api"); const c = await (await DuckDBInstance.create(":memory:")).connect(); console.log((await c.runAndReadAll("SELECT 42 AS answer")).getRowObjectsJS()[0].answer)';

/** True for a `node --version` line of 22.18 or later (type stripping on by default). */
function atLeastNode2218(version: string): boolean {
  const [major = 0, minor = 0] = version.trim().replace(/^v/, "").split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 18);
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
    // The controller's temp dir (staging copy, archives) is made per setup under TMPDIR and removed afterwards.
    const controllerTmp = mkdtempSync(join(tmpdir(), "peva-runner-controller-tmp-"));
    let first: string;
    try {
      const start = performance.now();
      first = runPlaybook(["@peva-lab/peva-faas", "@peva-lab/loadgen-vegeta"], { kind: "local" }, root, [VEGETA], {}, { TMPDIR: controllerTmp });
      console.log(`local setup (peva-faas, loadgen-vegeta): ${secondsSince(start)} s`);
      expect(readdirSync(controllerTmp).filter((e) => e.startsWith("peva-setup-"))).toEqual([]);
    } finally {
      rmSync(controllerTmp, { recursive: true, force: true });
    }
    expect(first).toMatch(/failed=0/);
    expect(first).toMatch(/TASK \[Install the enabled plugins' extras into the staging dir[^\]]*\] \**\nok:/);
    expect(execFileSync(join(root, "bin/vegeta"), ["-version"], { encoding: "utf8" })).toContain("Version: v12.13.0");
    // The toolchain's Node (>= 22.18) is on this host's PATH: linked, not copied.
    expect(lstatSync(join(root, "bin/node")).isSymbolicLink()).toBe(true);
    expect(atLeastNode2218(execFileSync(join(root, "bin/node"), ["--version"], { encoding: "utf8" }))).toBe(true);
    // The extras came installed: no npm was shipped to the host.
    expect(readdirSync(root).sort()).toEqual(["benchmark_results", "bin", "bundle"]);
    const bundle = join(root, "bundle");
    // The workspace packages are npm's links into plugins/, relative, so they resolve in the host's copy.
    expect(readlinkSync(join(bundle, "node_modules/@peva-lab/peva-faas"))).toBe("../../plugins/peva-faas");
    expect(readlinkSync(join(bundle, "node_modules/@peva-lab/core"))).toBe("../../plugins/core");
    const tree = installedTree(bundle);
    expect(tree.some((p) => p.startsWith("@duckdb/node-api@"))).toBe(true);
    expect(tree.some((p) => p.startsWith("apache-arrow@"))).toBe(true);
    // Root-only and other plugins' dependencies stay off the runner.
    expect(tree.filter((p) => p.startsWith("@pulumi/"))).toEqual([]);
    expect(tree.filter((p) => p.startsWith("figlet@"))).toEqual([]);

    // A file the controller's bundle no longer has (a removed plugin, say) does not survive the next setup.
    writeFileSync(join(bundle, "plugins/removed-plugin.ts"), "");
    const second = runPlaybook(["@peva-lab/peva-faas", "@peva-lab/loadgen-vegeta"]);
    expect(second).toMatch(/failed=0/);
    expect(installedTree(bundle)).toEqual(tree);
    expect(existsSync(join(bundle, "plugins/removed-plugin.ts"))).toBe(false);
  });

  it("refuses a bundled generator that reports another version, and a user-installed tool that is missing", () => {
    const wrongVersion = mkdtempSync(join(tmpdir(), "peva-runner-wrong-"));
    const missing = mkdtempSync(join(tmpdir(), "peva-runner-missing-"));
    try {
      const run = (into: string, loadgens: readonly object[], more: Record<string, unknown> = {}, workspaces: readonly string[] = []): string => {
        try {
          runPlaybook(workspaces, { kind: "local" }, into, loadgens, more);
        } catch (e) {
          return String((e as { stdout?: unknown }).stdout ?? e);
        }
        throw new Error("the playbook succeeded");
      };
      expect(run(wrongVersion, [{ ...VEGETA, version: "v99.0.0" }])).toMatch(/Check the bundled load generator's version[\s\S]*failed=1/);
      // A controller of another architecture: its static binary would not run here, so it is not copied.
      const otherArch = run(wrongVersion, [VEGETA], { peva_controller_arch: OTHER_ARCH });
      expect(otherArch).toMatch(/before copying the bundled load generator[\s\S]*failed=1/);
      expect(otherArch).toContain(`controller's architecture (${OTHER_ARCH})`);
      expect(otherArch).toContain(`(architecture ${ARCH})`);
      // Extras installed on a controller of another architecture: refused before anything lands on the host, even
      // though this host's own Node would do and no binary is copied.
      const extras = run(missing, [], { peva_controller_arch: OTHER_ARCH }, ["@peva-lab/loadgen-vegeta"]);
      expect(extras).toMatch(/Check that the host can run the extras installed on the controller[\s\S]*failed=1/);
      expect(extras).toMatch(new RegExp(`native modules built for the controller \\(Linux ${OTHER_ARCH}, glibc [0-9.]+\\)`));
      expect(extras).toMatch(new RegExp(`localhost is Linux ${ARCH}, glibc [0-9.]+\\.`));
      expect(existsSync(missing) && readdirSync(missing)).toEqual([]);
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
      expect(lstatSync(join(remoteRoot, "bin/node")).isSymbolicLink()).toBe(true); // the session PATH has the toolchain's Node
      const tree = installedTree(join(remoteRoot, "bundle"));
      expect(tree.some((p) => p.startsWith("@duckdb/node-api@"))).toBe(true);
      expect(tree.filter((p) => p.startsWith("apache-arrow@"))).toEqual([]); // peva-faas's extra, not enabled here
      expect(tree.filter((p) => p.startsWith("@pulumi/"))).toEqual([]);
      // On the host: the plugin resolves through its workspace link (type stripping refuses files under
      // node_modules, so this also proves the link was kept) and the shipped native binding loads and runs.
      const onHost = (command: string) =>
        execFileSync(requireTool("ssh"), [...host.sshOptions, "-i", host.privateKey, `${host.user}@${host.address}`, command], { encoding: "utf8", timeout: 60_000 });
      const node = `${remoteRoot}/bin/node --input-type=module -e`;
      expect(onHost(`cd ${remoteRoot}/bundle && ${node} 'const m = await import("@peva-lab/compute-duckdb"); console.log(typeof m.DuckDbComputePlugin)'`).trim()).toBe("function");
      expect(onHost(`cd ${remoteRoot}/bundle/plugins/compute-duckdb && ${node} '${DUCKDB_PROBE}'`).trim()).toBe("42");
    } finally {
      host.stop();
      rmSync(remoteRoot, { recursive: true, force: true });
    }
  });
});

/**
 * A host as a fresh machine looks to the setup: a non-root user without sudo, whose PATH holds the system's tools
 * but no Node and no npm (a directory of links to /usr/bin and /bin minus node, nodejs, npm, npx, corepack).
 */
describe("host setup over SSH, as a non-root user on a host without Node (the command the component runs)", () => {
  const USER = "peva-setup-test";
  const WITHOUT_NODE = new Set(["node", "nodejs", "npm", "npx", "corepack"]);
  let host: NetnsSshHost;
  let shadow: string;

  beforeAll(async () => {
    shadow = mkdtempSync(join(tmpdir(), "peva-path-without-node-"));
    chmodSync(shadow, 0o755);
    for (const dir of ["/usr/bin", "/bin"]) {
      for (const name of readdirSync(dir)) {
        if (WITHOUT_NODE.has(name) || existsSync(join(shadow, name))) continue;
        symlinkSync(join(dir, name), join(shadow, name));
      }
    }
    host = await startNetnsSshHost({ user: USER, path: shadow });
  });
  afterAll(() => {
    host?.stop();
    if (shadow) rmSync(shadow, { recursive: true, force: true });
  });

  /** Runs the component's command text (cwd: the project, as under Pulumi) with the host's pinned key unless told. */
  function setup(
    opts: { workdir: string; workspaces?: readonly string[]; requiredTools?: readonly RequiredTool[]; arch?: string; knownHosts?: string },
    on: NetnsSshHost = host,
  ) {
    const text = ansibleRunnerSetup({
      playbook: "playbooks/setup-runner.yml",
      host: on.address,
      user: on.user,
      port: on.port,
      workdir: opts.workdir,
      workspaces: opts.workspaces ?? [],
      loadgens: [{ tool: "vegeta", versionArgs: ["-version"], bundled: { controllerBinary: ".tools/bin/vegeta", version: "v12.13.0" } }],
      requiredTools: opts.requiredTools ?? [],
      controllerNode: { binary: process.execPath, arch: opts.arch ?? ARCH },
    });
    requireTool("ansible-playbook");
    const r = spawnSync("sh", ["-c", text], {
      cwd: REPO,
      env: {
        ...process.env,
        PATH: toolPath(),
        ANSIBLE_NOCOLOR: "1",
        PEVA_SSH_PRIVATE_KEY: readFileSync(on.privateKey, "utf8"),
        PEVA_KNOWN_HOSTS: opts.knownHosts ?? on.knownHostsLine,
      },
      encoding: "utf8",
      timeout: 600_000,
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }

  /** Runs a command on the host as its user, in a login session with the host's PATH. */
  function onHost(command: string) {
    return spawnSync(requireTool("ssh"), [...host.sshOptions, "-i", host.privateKey, `${host.user}@${host.address}`, command], { encoding: "utf8", timeout: 30_000 });
  }

  it("refuses a host that presents another key than the pinned one, and a setup with no pinned key", () => {
    const otherKeyDir = mkdtempSync(join(tmpdir(), "peva-other-host-key-"));
    try {
      execFileSync(requireTool("ssh-keygen"), ["-q", "-t", "ed25519", "-N", "", "-f", join(otherKeyDir, "key")]);
      const otherKey = readFileSync(join(otherKeyDir, "key.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
      const wrong = setup({ workdir: ".peva-wrong-key", knownHosts: `${host.address} ${otherKey}` });
      expect(wrong.status).not.toBe(0);
      expect(wrong.output).toMatch(/UNREACHABLE[\s\S]*(REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed)/);
      const none = setup({ workdir: ".peva-wrong-key", knownHosts: "" });
      expect(none.status).not.toBe(0);
      expect(none.output).toContain("no pinned host key (PEVA_KNOWN_HOSTS is empty)");
      expect(existsSync(join(host.home, ".peva-wrong-key"))).toBe(false); // nothing ran on the host
    } finally {
      rmSync(otherKeyDir, { recursive: true, force: true });
    }
  });

  it("names a required tool it cannot install (no root, no sudo), and finds one outside PATH in /usr/sbin", () => {
    const r = setup({
      workdir: ".peva-missing-tool",
      requiredTools: [
        { tool: "useradd", aptPackage: "passwd" }, // in /usr/sbin only, which the user's PATH lacks
        { tool: "peva-absent-tool", aptPackage: "peva-absent-package" },
      ],
    });
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("Required tools missing on");
    expect(r.output).toContain("peva-absent-tool (Debian package peva-absent-package)");
    expect(r.output).toContain(`User ${USER} is not root and may not use passwordless sudo`);
    expect(r.output).not.toContain("useradd (Debian package");
  });

  it("refuses the extras on a host without glibc (musl's getconf first on its PATH), naming what it found", async () => {
    // A musl host's getconf knows no GNU_LIBC_VERSION; the rest of this host is the fresh machine above.
    const musl = mkdtempSync(join(tmpdir(), "peva-path-musl-"));
    chmodSync(musl, 0o755);
    writeFileSync(join(musl, "getconf"), '#!/bin/sh\necho "getconf: $1: unknown variable" >&2\nexit 1\n', { mode: 0o755 });
    const muslHost = await startNetnsSshHost({ user: `${USER}-musl`, path: `${musl}:${shadow}` });
    try {
      const r = setup({ workdir: ".peva-lab", workspaces: ["@peva-lab/loadgen-vegeta"] }, muslHost);
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/Check that the host can run the extras installed on the controller[\s\S]*failed=1/);
      expect(r.output).toContain(
        `is Linux ${ARCH}, without glibc (getconf GNU_LIBC_VERSION: getconf: GNU_LIBC_VERSION: unknown variable; a musl host such as Alpine is not supported)`,
      );
      expect(existsSync(join(muslHost.home, ".peva-lab"))).toBe(false); // refused before anything landed
    } finally {
      muslHost.stop();
      rmSync(musl, { recursive: true, force: true });
    }
  });

  it("refuses to copy the controller's Node to a host of another architecture, naming both", () => {
    const r = setup({ workdir: ".peva-other-arch", arch: OTHER_ARCH });
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(`host architecture ${ARCH}`);
    expect(r.output).toContain(`controller architecture ${OTHER_ARCH}`);
    expect(existsSync(join(host.home, ".peva-other-arch/bin/node"))).toBe(false);
  });

  it("copies the controller's Node to <workdir>/bin/node and ships the extras installed (no npm, no cache on the host)", () => {
    // The premise: neither Node nor npm on PATH, and no npm cache (nothing to install from, whatever the network).
    expect(onHost("command -v node || command -v npm").status).not.toBe(0);
    expect(existsSync(join(host.home, ".npm"))).toBe(false);

    const start = performance.now();
    const r = setup({ workdir: ".peva-lab", workspaces: ["@peva-lab/loadgen-vegeta"], requiredTools: [{ tool: "useradd", aptPackage: "passwd" }] });
    console.log(`SSH setup of a host without Node (Node copied, vegeta, loadgen-vegeta): ${secondsSince(start)} s`);
    expect(r.output).toMatch(/unreachable=0\s+failed=0/);
    expect(r.status).toBe(0);
    expect(existsSync(join(host.home, ".npm"))).toBe(false); // nothing was installed on the host
    const workdir = join(host.home, ".peva-lab");
    const node = lstatSync(join(workdir, "bin/node"));
    expect(node.isFile()).toBe(true); // a copy, not a link
    expect(node.uid).toBe(statSync(host.home).uid); // owned by the login user
    const version = onHost(`${workdir}/bin/node --version`);
    expect(version.stdout.trim()).toBe(process.version);
    expect(atLeastNode2218(version.stdout)).toBe(true);
    // The runner's own start: <root>/bin/node running TypeScript directly, with only <root>/bin added to PATH.
    const stripped = onHost(`PATH=${workdir}/bin:$PATH node --input-type=module-typescript -e 'const n: number = 1; console.log(n + 1)'`);
    expect(stripped.stdout.trim()).toBe("2");
    expect(onHost(`${workdir}/bin/vegeta -version`).stdout).toContain("Version: v12.13.0");
    const tree = installedTree(join(workdir, "bundle"));
    expect(tree.some((p) => p.startsWith("zod@"))).toBe(true);
    expect(tree.filter((p) => p.startsWith("@pulumi/") || p.startsWith("@duckdb/"))).toEqual([]);
    // The plugin and its dependencies load on the host from the shipped tree, with the runner's Node.
    const loaded = onHost(`cd ${workdir}/bundle && ${workdir}/bin/node --input-type=module -e 'const m = await import("@peva-lab/loadgen-vegeta"); console.log(typeof m.VegetaLoadgen)'`);
    expect(loaded.stdout.trim(), loaded.stderr).toBe("function");
  });
});

/**
 * The shell text of plan/commands.ts, run by a real `sh` against stand-ins: `multipass`, `k3s`, `curl`, `sudo` and
 * `ansible-playbook` are fake scripts put first on PATH (a stand-in, because neither Multipass nor k3s can run here,
 * and the real ansible-playbook is exercised by test/integration/runner-setup.test.ts). Each stand-in logs its
 * arguments so a test can tell what the command did.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ansibleRunnerSetup,
  coresFromK3sInstall,
  k3sInstall,
  multipassDelete,
  multipassUpdate,
  unameArch,
  UnknownArchitectureError,
} from "../../plan/commands.ts";

let bin: string;
beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), "peva-stand-ins-"));
});
afterEach(() => rmSync(bin, { recursive: true, force: true }));

/** Writes an executable stand-in script named `name` into the stand-in directory. */
function standIn(name: string, body: string): void {
  const path = join(bin, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/** Runs `script` with `sh`, the stand-ins first on PATH. */
function sh(script: string, env: Record<string, string> = {}) {
  const r = spawnSync("sh", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, ...env, PATH: `${bin}${delimiter}${process.env["PATH"] ?? ""}` },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the stand-ins logged, one call per line. */
function calls(): string[] {
  const log = join(bin, "calls.log");
  return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
}

describe("multipassDelete (against a stand-in multipass)", () => {
  /** A multipass whose delete exits `deleteRc` and whose info finds the VM or not. */
  function fakeMultipass(deleteRc: number, info: "exists" | "gone" | "daemon-down"): void {
    const infoBody = {
      exists: "echo 'Name: peva-k3s'; exit 0",
      gone: `echo 'info failed: The following errors occurred:' >&2; echo 'instance "peva-k3s" does not exist' >&2; exit 2`,
      "daemon-down": "echo 'cannot connect to the multipass socket' >&2; exit 2",
    }[info];
    standIn(
      "multipass",
      [`echo "multipass $*" >> "${join(bin, "calls.log")}"`, `case "$1" in`, `  delete) exit ${deleteRc} ;;`, `  info) ${infoBody} ;;`, "esac"].join("\n"),
    );
  }

  it("succeeds when the delete succeeds, without asking whether the VM exists", () => {
    fakeMultipass(0, "exists");
    expect(sh(multipassDelete("peva-k3s")).status).toBe(0);
    expect(calls()).toEqual(["multipass delete --purge peva-k3s"]);
  });

  it("succeeds when the delete fails because the VM is already gone", () => {
    fakeMultipass(2, "gone");
    expect(sh(multipassDelete("peva-k3s")).status).toBe(0);
    expect(calls()).toEqual(["multipass delete --purge peva-k3s", "multipass info peva-k3s"]);
  });

  it("fails when the delete fails and the VM still exists", () => {
    fakeMultipass(2, "exists");
    const r = sh(multipassDelete("peva-k3s"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("multipass VM peva-k3s still exists after a failed delete");
  });

  it("fails when Multipass cannot tell whether the VM is gone", () => {
    fakeMultipass(2, "daemon-down");
    const r = sh(multipassDelete("peva-k3s"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("cannot tell whether multipass VM peva-k3s is gone: cannot connect to the multipass socket");
  });

  it("quotes the VM name", () => {
    fakeMultipass(0, "exists");
    expect(sh(multipassDelete("odd name; touch pwned")).status).toBe(0);
    expect(calls()).toEqual(["multipass delete --purge odd name; touch pwned"]);
  });
});

describe("multipassUpdate (against a stand-in multipass whose VM is a local home directory)", () => {
  it("authorises the current key once inside the VM, never launches, and prints the info JSON", () => {
    const home = join(bin, "vm-home");
    // `multipass exec VM -- CMD…` runs CMD here with HOME as the VM's home; info prints JSON; launch must not happen.
    standIn(
      "multipass",
      [
        `echo "multipass $1" >> "${join(bin, "calls.log")}"`,
        'case "$1" in',
        `  exec) shift 3; mkdir -p "${home}"; HOME="${home}" exec "$@" ;;`,
        `  info) echo '{"info":{"vm":{"ipv4":["10.0.0.7"]}}}' ;;`,
        "  *) exit 9 ;;",
        "esac",
      ].join("\n"),
    );
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(bin, "key")]);
    const env = { PEVA_SSH_PRIVATE_KEY: readFileSync(join(bin, "key"), "utf8") };
    const first = sh(multipassUpdate("vm"), env);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ info: { vm: { ipv4: ["10.0.0.7"] } } });
    expect(sh(multipassUpdate("vm"), env).status).toBe(0);
    const pub = readFileSync(join(bin, "key.pub"), "utf8").trim();
    expect(readFileSync(join(home, ".ssh/authorized_keys"), "utf8")).toBe(`${pub}\n`);
    expect(calls()).toEqual(["multipass exec", "multipass info", "multipass exec", "multipass info"]);
  });
});

describe("k3sInstall (against stand-in k3s, curl, sudo)", () => {
  const log = () => join(bin, "calls.log");
  /** A k3s stand-in that logs its calls and reports `version`. */
  const k3sBody = (version: string) =>
    [
      `echo "k3s $*" >> "${log()}"`,
      `if [ "$1" = --version ]; then echo 'k3s version ${version} (abcdef12)'; echo 'go version go1.24.4'; fi`,
      // A node that never registers: `kubectl wait` fails at once, as it does before the node exists.
      'if [ "$1" = kubectl ] && [ -n "${K3S_NEVER_READY:-}" ]; then exit 1; fi',
    ].join("\n");
  /**
   * A host with k3s `installed` (undefined: none), a curl that "downloads" an install script which logs the version
   * it installs and leaves a k3s of that version behind, a sudo that runs its command, and 6 CPUs.
   */
  function fakeHost(installed: string | undefined): void {
    if (installed) standIn("k3s", k3sBody(installed));
    writeFileSync(
      join(bin, "install.sh"),
      [`echo "install $INSTALL_K3S_VERSION" >> "${log()}"`, `printf '%s\\n' "$INSTALL_K3S_EXEC" > "${join(bin, "exec.txt")}"`, `printf '#!/bin/sh\n%s\n' "$K3S_BODY" > "${join(bin, "k3s")}"`, `chmod 755 "${join(bin, "k3s")}"`].join("\n"),
    );
    standIn("curl", [`echo "curl $*" >> "${log()}"`, 'while [ "$1" != -o ]; do shift; done', `cp "${join(bin, "install.sh")}" "$2"`].join("\n"));
    standIn("sudo", 'exec env "$@"');
    standIn("nproc", "echo 6");
  }
  const run = (version: string, address = "10.0.0.2") => sh(k3sInstall(version, address), { K3S_BODY: k3sBody(version) });
  const wait = "k3s kubectl wait --for=condition=Ready node --all --timeout=10s";

  it("installs the pinned version on a fresh host; stdout is only the CPU count", () => {
    fakeHost(undefined);
    const r = run("v1.33.4+k3s1");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("6\n");
    expect(coresFromK3sInstall(r.stdout)).toBe(6);
    expect(calls()).toEqual([
      "curl -sfL https://get.k3s.io -o " + calls()[0]!.split(" -o ")[1],
      "install v1.33.4+k3s1",
      wait,
    ]);
    // The API server's certificate names the address the controller's kubeconfig uses.
    expect(readFileSync(join(bin, "exec.txt"), "utf8")).toBe("--disable traefik --tls-san 10.0.0.2\n");
  });

  it("keeps an address with shell metacharacters as one argument's text, never code", () => {
    fakeHost(undefined);
    const marker = join(bin, "pwned");
    const r = run("v1.33.4+k3s1", `lab-1$(touch ${marker})';touch ${marker}'`);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(join(bin, "exec.txt"), "utf8")).toBe(`--disable traefik --tls-san lab-1$(touch ${marker})';touch ${marker}'\n`);
  });

  it("fails with where to look when the node is not Ready within the bound, printing no CPU count", () => {
    fakeHost("v1.33.4+k3s1");
    const r = sh(k3sInstall("v1.33.4+k3s1", "10.0.0.2", 1), { K3S_BODY: k3sBody("v1.33.4+k3s1"), K3S_NEVER_READY: "1" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("k3s: the node was not Ready within 1 s; on the host, see: sudo k3s kubectl get nodes; sudo journalctl -u k3s");
    expect(r.stdout).toBe("");
    expect(calls().filter((c) => c === wait).length).toBeGreaterThan(0);
  });

  it("does nothing but wait when the pinned version is installed", () => {
    fakeHost("v1.33.4+k3s1");
    const r = run("v1.33.4+k3s1");
    expect(r.status, r.stderr).toBe(0);
    expect(calls().filter((c) => c.startsWith("curl") || c.startsWith("install"))).toEqual([]);
    expect(calls()).toContain(wait);
    expect(r.stdout).toBe("6\n");
  });

  it("upgrades an older k3s in place", () => {
    fakeHost("v1.32.9+k3s1");
    const r = run("v1.33.4+k3s1");
    expect(r.status, r.stderr).toBe(0);
    expect(calls()).toContain("install v1.33.4+k3s1");
  });

  it("refuses to downgrade a newer k3s, naming both versions", () => {
    fakeHost("v1.34.1+k3s1");
    const r = run("v1.33.4+k3s1");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("k3s v1.34.1+k3s1 is installed; downgrading to v1.33.4+k3s1 is not supported");
    expect(calls().filter((c) => c.startsWith("install"))).toEqual([]);
  });

  it("fails when the install script cannot be downloaded", () => {
    fakeHost("v1.32.9+k3s1");
    standIn("curl", "exit 22");
    const r = run("v1.33.4+k3s1");
    expect(r.status).not.toBe(0);
    expect(calls().filter((c) => c.startsWith("install"))).toEqual([]);
  });

  it("reads the CPU count from the last stdout line only", () => {
    expect(coresFromK3sInstall("4\n")).toBe(4);
    expect(() => coresFromK3sInstall("")).toThrow("the k3s install printed no CPU count (last line: '')");
    expect(() => coresFromK3sInstall("4\nnode/x condition met")).toThrow("no CPU count");
  });
});

describe("unameArch", () => {
  it("names Node's architectures as uname does, and refuses ambiguous ones", () => {
    expect(unameArch("x64")).toBe("x86_64");
    expect(unameArch("arm64")).toBe("aarch64");
    expect(unameArch("ppc64")).toBe("ppc64le");
    expect(() => unameArch("arm")).toThrow(UnknownArchitectureError);
    expect(() => unameArch("ia32")).toThrow("Cannot copy binaries from a controller of architecture 'ia32': its uname name is not known");
  });

  it("pins a key for host and port as OpenSSH looks it up, without the key's comment", () => {
  });
});

describe("ansibleRunnerSetup (against a stand-in ansible-playbook)", () => {
  const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET\n-----END OPENSSH PRIVATE KEY-----";
  const KNOWN = "10.0.0.1 ssh-ed25519 AAAAC3Nz";
  const text = ansibleRunnerSetup({
    playbook: "playbooks/setup-runner.yml",
    host: "10.0.0.1",
    user: "ubuntu",
    port: 22,
    workdir: ".peva-lab",
    workspaces: ["@peva-lab/platform-local"],
    loadgens: [],
    requiredTools: [{ tool: "prometheus", aptPackage: "prometheus" }],
    controllerNode: { binary: "/opt/node/bin/node", arch: "x86_64" },
  });

  /** An ansible-playbook that records its argv, env and what the files it was handed hold. */
  function fakeAnsible(): void {
    standIn(
      "ansible-playbook",
      [
        `log="${join(bin, "calls.log")}"`,
        'for a in "$@"; do printf "arg %s\\n" "$a" >> "$log"; done',
        'printf "env ANSIBLE_HOST_KEY_CHECKING=%s\\n" "$ANSIBLE_HOST_KEY_CHECKING" >> "$log"',
        // The known_hosts path is inside --ssh-common-args; find it and report its mode and contents.
        'kh=$(printf "%s\\n" "$@" | sed -n "s/.*UserKnownHostsFile=\\([^ ]*\\).*/\\1/p")',
        'printf "known_hosts_mode %s\\n" "$(stat -c %a "$kh")" >> "$log"',
        'printf "known_hosts %s\\n" "$(cat "$kh")" >> "$log"',
        'printf "tmpdir %s\\n" "$(dirname "$kh")" >> "$log"',
      ].join("\n"),
    );
  }

  it("pins the host key from $PEVA_KNOWN_HOSTS in a 0600 temp file removed on exit, and never host-key checking off", () => {
    fakeAnsible();
    const r = sh(text, { PEVA_SSH_PRIVATE_KEY: KEY, PEVA_KNOWN_HOSTS: KNOWN });
    expect(r.status, r.stderr).toBe(0);
    const log = calls();
    expect(log).toContain("env ANSIBLE_HOST_KEY_CHECKING=True");
    expect(log).toContain("known_hosts_mode 600");
    expect(log).toContain(`known_hosts ${KNOWN}`);
    const common = log.find((l) => l.startsWith("arg -o UserKnownHostsFile="));
    expect(common).toMatch(/^arg -o UserKnownHostsFile=\S+\/known_hosts -o GlobalKnownHostsFile=\/dev\/null -o StrictHostKeyChecking=yes$/);
    expect(log[log.indexOf(common!) - 1]).toBe("arg --ssh-common-args");
    const tmp = log.find((l) => l.startsWith("tmpdir "))!.slice("tmpdir ".length);
    expect(existsSync(tmp)).toBe(false); // key and known_hosts removed with their dir
    expect(text).not.toMatch(/HOST_KEY_CHECKING=False|StrictHostKeyChecking=no/);
  });

  it("hands the playbook the required tools and the controller's Node, never the key", () => {
    fakeAnsible();
    sh(text, { PEVA_SSH_PRIVATE_KEY: KEY, PEVA_KNOWN_HOSTS: KNOWN });
    const extra = calls().find((l) => l.startsWith('arg {"peva_workdir"'));
    expect(JSON.parse(extra!.slice("arg ".length))).toEqual({
      peva_workdir: ".peva-lab",
      peva_workspaces: ["@peva-lab/platform-local"],
      peva_loadgens: [],
      peva_required_tools: [{ tool: "prometheus", apt_package: "prometheus" }],
      peva_node_binary: "/opt/node/bin/node",
      peva_controller_arch: "x86_64",
    });
    expect(text).not.toContain("SECRET");
  });

  it("refuses to run without a pinned host key", () => {
    fakeAnsible();
    const r = sh(text, { PEVA_SSH_PRIVATE_KEY: KEY, PEVA_KNOWN_HOSTS: "" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("no pinned host key (PEVA_KNOWN_HOSTS is empty): refusing to connect");
    expect(calls()).toEqual([]);
  });
});

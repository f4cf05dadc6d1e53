/**
 * A test host in its own network namespace: a veth pair to this machine and a real sshd listening only inside
 * the namespace, with a key made for the test. Tests reach it over SSH exactly as a remote runner host, without
 * leaving the machine. Needs root (network namespaces); the bootstrap installs sshd and iproute2.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool, toolPath } from "./toolchain.ts";

/** A running namespace host. */
export interface NetnsSshHost {
  /** The host's address on the veth link (reachable from this machine only). */
  readonly address: string;
  readonly user: "root";
  /** Private key accepted by the host's sshd. */
  readonly privateKey: string;
  /** `ssh` options for a throwaway host key (no known_hosts entry is written). */
  readonly sshOptions: readonly string[];
  /** Stops sshd and removes the namespace and the link. */
  stop(): void;
}

function run(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
}

/**
 * Creates the namespace, the link and sshd; resolves once an SSH login works (within 20 s, or throws). Sessions
 * get `path` as PATH (default: the project's toolchain first, as on a provisioned runner host with Node ≥ 22).
 */
export async function startNetnsSshHost(path: string = toolPath()): Promise<NetnsSshHost> {
  if (process.getuid?.() !== 0) throw new Error("network-namespace test hosts need root (ip netns add)");
  const ip = requireTool("ip");
  const sshd = requireTool("sshd");
  const ssh = requireTool("ssh");
  const keygen = requireTool("ssh-keygen");
  const id = `${process.pid % 1000}${randomInt(100, 999)}`;
  const ns = `peva-host-${id}`;
  const hostSide = `pvh${id}`;
  const nsSide = `pvn${id}`;
  const subnet = `10.213.${randomInt(0, 255)}`;
  const address = `${subnet}.2`;
  const dir = mkdtempSync(join(tmpdir(), "peva-netns-"));
  let daemon: ChildProcess | undefined;
  const stop = (): void => {
    daemon?.kill("SIGTERM");
    spawnSync(ip, ["netns", "del", ns]);
    spawnSync(ip, ["link", "del", hostSide]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run(ip, ["netns", "add", ns]);
    run(ip, ["link", "add", hostSide, "type", "veth", "peer", "name", nsSide]);
    run(ip, ["link", "set", nsSide, "netns", ns]);
    run(ip, ["addr", "add", `${subnet}.1/30`, "dev", hostSide]);
    run(ip, ["link", "set", hostSide, "up"]);
    run(ip, ["netns", "exec", ns, "ip", "addr", "add", `${address}/30`, "dev", nsSide]);
    run(ip, ["netns", "exec", ns, "ip", "link", "set", nsSide, "up"]);
    run(ip, ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
    run(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")]);
    run(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "client_key")]);
    copyFileSync(join(dir, "client_key.pub"), join(dir, "authorized_keys"));
    mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege-separation directory
    writeFileSync(
      join(dir, "sshd_config"),
      [
        `ListenAddress ${address}`,
        "Port 22",
        `HostKey ${join(dir, "host_key")}`,
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        `PidFile ${join(dir, "sshd.pid")}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "Subsystem sftp internal-sftp",
        `SetEnv PATH=${path}`,
        "",
      ].join("\n"),
    );
    daemon = spawn(ip, ["netns", "exec", ns, sshd, "-D", "-e", "-f", join(dir, "sshd_config")], { stdio: "ignore" });
    const sshOptions = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=2"];
    const privateKey = join(dir, "client_key");
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = spawnSync(ssh, [...sshOptions, "-i", privateKey, `root@${address}`, "true"], { encoding: "utf8", timeout: 5_000 });
      if (r.status === 0) break;
      if (Date.now() > deadline) throw new Error(`sshd in namespace ${ns} did not accept a login: ${r.stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return { address, user: "root", privateKey, sshOptions, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

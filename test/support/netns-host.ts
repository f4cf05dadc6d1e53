/**
 * A test host in its own network namespace: a veth pair to this machine and a real sshd listening only inside
 * the namespace, with keys made for the test. Tests reach it over SSH exactly as a remote host, without leaving the
 * machine: as root, or as a real local user created for the host. Its host key is pinned (a known_hosts file next
 * to the keys), so a test that presents another key sees what a real host with a changed key does. Needs root
 * (network namespaces, useradd); the bootstrap installs sshd and iproute2.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { requireTool, toolPath } from "./toolchain.ts";

/** Where the test hosts' links live: one /30 per host in a /24 of its own, `.1` this machine, `.2` the host. */
const SUBNET_PREFIX = "10.213";

/** Options of {@link startNetnsSshHost}. */
export interface NetnsHostOptions {
  /** PATH of SSH sessions (default: the project's toolchain first, as on a provisioned host with Node ≥ 22). */
  readonly path?: string;
  /**
   * Log in as this local user instead of root: created for the host (home in the host's temp dir, uid chosen by
   * useradd), removed on stop; a leftover user of the same name is removed first.
   */
  readonly user?: string;
  /** One more public key (`ssh-ed25519 AAAA…`) the host accepts besides its own test key, e.g. a stack's key. */
  readonly authorizedKey?: string;
}

/** A running namespace host. */
export interface NetnsSshHost {
  /** The host's address on the veth link (reachable from this machine, and from other hosts once forwarding is on). */
  readonly address: string;
  /** sshd's port. */
  readonly port: 22;
  /** The login user: root, or the user created for the host. */
  readonly user: string;
  /** The login user's home directory. */
  readonly home: string;
  /** The network namespace's name (for `ip netns exec`). */
  readonly namespace: string;
  /** Private key (a file) accepted by the host's sshd. */
  readonly privateKey: string;
  /** The host key's public line, `ssh-ed25519 AAAA…`. */
  readonly hostPublicKey: string;
  /** The host key as a known_hosts line: `<address> ssh-ed25519 AAAA…`. */
  readonly knownHostsLine: string;
  /** `ssh` options pinning the host key (a known_hosts file holding only {@link knownHostsLine}), batch mode. */
  readonly sshOptions: readonly string[];
  /** Takes this machine's end of the link down: the SSH path is cut, sshd and its sessions keep running. */
  linkDown(): void;
  /** Brings the link back up. */
  linkUp(): void;
  /** Stops sshd and starts it again (sessions already open stay); resolves once a login works again (≤ 20 s). */
  restartSshd(): Promise<void>;
  /** TCP ports listening inside the namespace, sorted. */
  listeningPorts(): number[];
  /** Stops every process in the namespace, removes the namespace, the link, the user and the temp dir. */
  stop(): void;
}

function run(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${(r.stderr ?? "").trim()}`);
  return r.stdout;
}

/** A /24 under {@link SUBNET_PREFIX} no interface of this machine uses (other tests' hosts may be running). */
function freeSubnet(ip: string): string {
  const used = run(ip, ["-4", "-o", "addr", "show"]);
  for (let attempt = 0; attempt < 64; attempt++) {
    const subnet = `${SUBNET_PREFIX}.${randomInt(0, 256)}`;
    if (!used.includes(` ${subnet}.`)) return subnet;
  }
  throw new Error(`no free ${SUBNET_PREFIX}.x.0/24 subnet for a test host after 64 tries`);
}

/** Removes a local user if it exists; its processes are not ours to kill, so a busy user is forced out of passwd. */
function removeUser(userdel: string, user: string): void {
  if (spawnSync("id", ["-u", user]).status !== 0) return;
  run(userdel, ["--force", user]);
}

/** Resolves once `ssh user@address true` succeeds, or throws after 20 s with ssh's last complaint. */
async function waitForLogin(ssh: string, sshOptions: readonly string[], privateKey: string, target: string, ns: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = spawnSync(ssh, [...sshOptions, "-i", privateKey, target, "true"], { encoding: "utf8", timeout: 5_000 });
    if (r.status === 0) return;
    if (Date.now() > deadline) throw new Error(`sshd in namespace ${ns} did not accept a login as ${target}: ${(r.stderr ?? "").trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Creates the namespace (default route via this machine's end of the link), the link, the login user if asked
 * for, and sshd; resolves once an SSH login works (within 20 s, or throws).
 */
export async function startNetnsSshHost(options: NetnsHostOptions = {}): Promise<NetnsSshHost> {
  if (process.getuid?.() !== 0) throw new Error("network-namespace test hosts need root (ip netns add, useradd)");
  const path = options.path ?? toolPath();
  const ip = requireTool("ip");
  const sshd = requireTool("sshd");
  const ssh = requireTool("ssh");
  const keygen = requireTool("ssh-keygen");
  const useradd = options.user ? requireTool("useradd") : "";
  const userdel = options.user ? requireTool("userdel") : "";
  const usermod = options.user ? requireTool("usermod") : "";
  const id = `${process.pid % 1000}${randomInt(100, 999)}`;
  const ns = `peva-host-${id}`;
  const hostSide = `pvh${id}`;
  const nsSide = `pvn${id}`;
  const subnet = freeSubnet(ip);
  const address = `${subnet}.2`;
  const dir = mkdtempSync(join(tmpdir(), "peva-netns-"));
  const user = options.user ?? "root";
  const home = options.user ? join(dir, "home") : userInfo().homedir;
  let daemon: ChildProcess | undefined;
  let userCreated = false;
  const startDaemon = (): void => {
    daemon = spawn(ip, ["netns", "exec", ns, sshd, "-D", "-e", "-f", join(dir, "sshd_config")], { stdio: "ignore" });
  };
  const stop = (): void => {
    // Everything in the namespace is ours: sshd and the sessions it forked (Ansible's persistent connections).
    const pids = spawnSync(ip, ["netns", "pids", ns], { encoding: "utf8" }).stdout ?? "";
    for (const pid of pids.split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
    daemon?.kill("SIGKILL");
    spawnSync(ip, ["netns", "del", ns]);
    spawnSync(ip, ["link", "del", hostSide]);
    if (userCreated && options.user) removeUser(userdel, options.user);
    userCreated = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The user's home lives in here: it must be traversable (the keys in it stay 0600).
    chmodSync(dir, 0o755);
    run(ip, ["netns", "add", ns]);
    run(ip, ["link", "add", hostSide, "type", "veth", "peer", "name", nsSide]);
    run(ip, ["link", "set", nsSide, "netns", ns]);
    run(ip, ["addr", "add", `${subnet}.1/30`, "dev", hostSide]);
    run(ip, ["link", "set", hostSide, "up"]);
    run(ip, ["netns", "exec", ns, "ip", "addr", "add", `${address}/30`, "dev", nsSide]);
    run(ip, ["netns", "exec", ns, "ip", "link", "set", nsSide, "up"]);
    run(ip, ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
    // Replies to, and connections towards, other test hosts go through this machine (see enableForwarding).
    run(ip, ["netns", "exec", ns, "ip", "route", "add", "default", "via", `${subnet}.1`]);
    if (options.user) {
      removeUser(userdel, options.user);
      run(useradd, ["--create-home", "--home-dir", home, "--shell", "/bin/sh", options.user]);
      userCreated = true;
      // useradd leaves the password field "!" (locked), and sshd without PAM refuses locked accounts even for keys;
      // "*" means no password, not locked.
      run(usermod, ["-p", "*", options.user]);
    }
    run(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")]);
    run(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "client_key")]);
    const authorized = [readFileSync(join(dir, "client_key.pub"), "utf8").trim(), ...(options.authorizedKey ? [options.authorizedKey.trim()] : [])];
    writeFileSync(join(dir, "authorized_keys"), `${authorized.join("\n")}\n`, { mode: 0o644 });
    const hostPublicKey = readFileSync(join(dir, "host_key.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
    const knownHostsLine = `${address} ${hostPublicKey}`;
    const knownHosts = join(dir, "known_hosts");
    writeFileSync(knownHosts, `${knownHostsLine}\n`, { mode: 0o600 });
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
        // Sessions whose client vanished (link down for good, namespace removed) end within 10 s.
        "ClientAliveInterval 5",
        "ClientAliveCountMax 2",
        "Subsystem sftp internal-sftp",
        `SetEnv PATH=${path}`,
        "",
      ].join("\n"),
    );
    startDaemon();
    const sshOptions = [
      "-o",
      `UserKnownHostsFile=${knownHosts}`,
      "-o",
      "GlobalKnownHostsFile=/dev/null",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=2",
    ];
    const privateKey = join(dir, "client_key");
    const target = `${user}@${address}`;
    await waitForLogin(ssh, sshOptions, privateKey, target, ns);
    return {
      address,
      port: 22,
      user,
      home,
      namespace: ns,
      privateKey,
      hostPublicKey,
      knownHostsLine,
      sshOptions,
      linkDown: () => void run(ip, ["link", "set", hostSide, "down"]),
      linkUp: () => void run(ip, ["link", "set", hostSide, "up"]),
      restartSshd: async () => {
        const old = daemon;
        if (old && old.exitCode === null && old.signalCode === null) {
          const exited = new Promise((resolve) => old.once("exit", resolve));
          old.kill("SIGTERM");
          await exited;
        }
        startDaemon();
        await waitForLogin(ssh, sshOptions, privateKey, target, ns);
      },
      listeningPorts: () => {
        const ports = new Set<number>();
        for (const line of run(ip, ["netns", "exec", ns, "ss", "-ltnH"]).split("\n")) {
          // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
          const local = line.trim().split(/\s+/)[3];
          const port = local ? Number(local.slice(local.lastIndexOf(":") + 1)) : NaN;
          if (Number.isInteger(port)) ports.add(port);
        }
        return [...ports].sort((a, b) => a - b);
      },
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}

/**
 * Lets test hosts reach each other through this machine: `net.ipv4.ip_forward=1`, and where iptables is installed,
 * an ACCEPT rule at the top of FORWARD for traffic between test subnets only (a DROP policy, as Docker sets, would
 * otherwise swallow it). Returns the undo: the previous ip_forward value back, the rule removed. ip_forward is
 * machine-wide: a test enabling it while another relies on it being off would interfere, so keep the window short.
 */
export function enableForwarding(): () => void {
  if (process.getuid?.() !== 0) throw new Error("enabling IPv4 forwarding needs root");
  const sysctl = "/proc/sys/net/ipv4/ip_forward";
  const previous = readFileSync(sysctl, "utf8").trim();
  writeFileSync(sysctl, "1\n");
  const iptables = spawnSync("sh", ["-c", "command -v iptables"], { encoding: "utf8", env: { PATH: `${toolPath()}:/usr/sbin:/sbin` } }).stdout.trim();
  const rule = ["FORWARD", "-s", `${SUBNET_PREFIX}.0.0/16`, "-d", `${SUBNET_PREFIX}.0.0/16`, "-j", "ACCEPT"];
  let ruleAdded = false;
  // Nothing filters forwarding without iptables, or when its filter table cannot be read (a kernel without
  // netfilter tables).
  if (iptables && spawnSync(iptables, ["-S", "FORWARD"]).status === 0) {
    try {
      run(iptables, ["-I", ...rule]);
      ruleAdded = true;
    } catch (error) {
      writeFileSync(sysctl, `${previous}\n`);
      throw error;
    }
  }
  return () => {
    if (ruleAdded) spawnSync(iptables, ["-D", ...rule]);
    ruleAdded = false;
    writeFileSync(sysctl, `${previous}\n`);
  };
}

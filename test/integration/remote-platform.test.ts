/**
 * The embedded platform (`LocalPlatform`'s provider, driven directly) on a remote platform host over SSH, and on
 * this machine. The remote host is a network namespace with its own sshd and a non-root login user
 * (test/support/netns-host.ts). Runner setup is stood in for by the least it leaves behind: `~/.peva-lab/bin/node`
 * links to this Node.js and `~/.peva-lab/bundle` to this repository, so the real gateway main and its dependencies
 * run there (the host shares this machine's filesystem and pids; only its network is its own).
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, diff, read, remove, update, type LocalPlatformInputs, type LocalPlatformOutputs } from "../../components/local-platform-provider.ts";
import { PlatformProcessExitedError } from "../../components/platform-host/errors.ts";
import { SshPlatformHost } from "../../components/platform-host/ssh-platform-host.ts";
import { knownHostsLines } from "../../components/transport/ssh-options.ts";
import { startNetnsSshHost, type NetnsSshHost } from "../support/netns-host.ts";
import { REPO, requireTool } from "../support/toolchain.ts";

const USER = "peva-platform";
const WORKDIR = ".peva-lab";
const NAMES = ["gateway", "node-exporter", "prometheus"] as const;

/** The command line of a live, non-zombie process, or undefined. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim() || undefined;
  } catch {
    return undefined;
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Listening TCP sockets inside the namespace as `address:port` strings. */
function listeners(namespace: string): string[] {
  return execFileSync(requireTool("ip"), ["netns", "exec", namespace, "ss", "-ltnH"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[3])
    .filter((a): a is string => Boolean(a));
}

async function httpStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return (await fetch(url, { headers, signal: AbortSignal.timeout(5_000) })).status;
}

describe("the embedded platform on a remote host over SSH", () => {
  let host: NetnsSshHost;
  let root: string;
  let inputs: LocalPlatformInputs;
  let outs: LocalPlatformOutputs;
  let id: string;
  const decoys: number[] = [];

  beforeAll(async () => {
    requireTool("prometheus");
    requireTool("prometheus-node-exporter");
    requireTool("ss");
    host = await startNetnsSshHost({ user: USER });
    // Runner setup's result, minimally: owned by the login user, who creates `platform/` in it.
    root = join(host.home, WORKDIR);
    mkdirSync(join(root, "bin"), { recursive: true });
    symlinkSync(process.execPath, join(root, "bin/node"));
    symlinkSync(REPO, join(root, "bundle"));
    const { uid, gid } = statSync(host.home);
    chownSync(root, uid, gid);
    chownSync(join(root, "bin"), uid, gid);
    inputs = {
      stateDir: "unused-on-a-remote-host",
      maxReplicas: 2,
      queueDepth: 8,
      node: { cpus: 1, memoryMb: 1024, isolation: "auto" },
      providerVersion: "test",
      remote: {
        connection: { host: host.address, port: host.port, user: host.user, knownHosts: knownHostsLines(host.address, host.port, [host.hostPublicKey]) },
        workdir: WORKDIR,
      },
      privateKey: readFileSync(host.privateKey, "utf8"),
    };
  });

  afterAll(() => {
    for (const pid of decoys) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    // Stops every process left in the namespace (a failed test's platform included).
    host?.stop();
  });

  it("create starts gateway, node-exporter and Prometheus on the host, listening on its address, healthy", async () => {
    ({ id, outs } = await create(inputs));
    const stateDir = join(root, "platform");
    expect(id).toBe(`local-platform:ssh://${USER}@${host.address}:22${stateDir}`);
    for (const url of [outs.gatewayUrl, outs.prometheusUrl, outs.nodeExporterUrl]) expect(url).toMatch(new RegExp(`^http://${host.address.replace(/\./g, "\\.")}:\\d+$`));

    // Reachable from the controller on the namespace's address, with the password written on the host.
    expect(await httpStatus(`${outs.gatewayUrl}/healthz`)).toBe(200);
    const auth = { Authorization: `Basic ${Buffer.from(`admin:${outs.gatewayPassword}`).toString("base64")}` };
    expect(await httpStatus(`${outs.gatewayUrl}/system/functions`, auth)).toBe(200);
    expect(await httpStatus(`${outs.gatewayUrl}/system/functions`, { Authorization: `Basic ${Buffer.from("admin:wrong").toString("base64")}` })).toBe(401);
    expect(readFileSync(join(stateDir, "gateway-password"), "utf8")).toBe(outs.gatewayPassword);
    expect(await (await fetch(`${outs.nodeExporterUrl}/metrics`)).text()).toContain("node_cpu_seconds_total");
    expect(await httpStatus(`${outs.prometheusUrl}/-/ready`)).toBe(200);
    const targets = (await (await fetch(`${outs.prometheusUrl}/api/v1/targets`)).json()) as { data: { activeTargets: { scrapeUrl: string; health: string }[] } };
    expect(targets.data.activeTargets.map((t) => [new URL(t.scrapeUrl).host, t.health]).sort()).toEqual(
      [[`${host.address}:${outs.ports.gateway}`, "up"], [`${host.address}:${outs.ports.nodeExporter}`, "up"]].sort(),
    );

    // Listening on the host's address only, on exactly the chosen ports (and sshd).
    expect(listeners(host.namespace).sort()).toEqual(
      [`${host.address}:22`, ...[outs.ports.gateway, outs.ports.nodeExporter, outs.ports.prometheus].map((p) => `${host.address}:${p}`)].sort(),
    );

    // Supervised on the host: in its namespace, as its user, pid files in <root>/platform, own process groups.
    const uid = statSync(host.home).uid;
    for (const name of NAMES) {
      const proc = outs.processes[name];
      expect(execFileSync(requireTool("ip"), ["netns", "identify", String(proc.pid)], { encoding: "utf8" }).trim()).toBe(host.namespace);
      expect(statSync(`/proc/${proc.pid}`).uid).toBe(uid);
      expect(readFileSync(join(stateDir, `${name}.pid`), "utf8")).toBe(`${proc.pid}\n`);
      expect(commandLine(proc.pid)).toContain(proc.marker);
      const stat = readFileSync(`/proc/${proc.pid}/stat`, "utf8");
      const [, , pgid, sid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      expect([Number(pgid), Number(sid)]).toEqual([proc.pid, proc.pid]);
      expect(existsSync(join(stateDir, "logs", `${name}.log`))).toBe(true);
    }
    expect(commandLine(outs.processes.gateway.pid)).toContain(join(root, "bundle/plugins/platform-local/src/gateway-main.ts"));
    expect(readlinkSync(`/proc/${outs.processes.gateway.pid}/exe`)).toBe(process.execPath);
    // The node is the declared one; the unprivileged login user may make no cgroup here, so the gateway fell back
    // to summing its processes, and says so.
    expect(outs.nodeCores).toBe(1);
    expect(outs.nodeIsolation).toBe("processes");
  });

  it("read and diff keep a live platform; new pinned keys are an update; other settings replace it", async () => {
    expect(await read(id, outs)).toEqual({ id, props: outs });
    expect(await diff(outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
    expect(await diff(outs, { ...inputs, maxReplicas: 3 })).toMatchObject({ changes: true, replaces: ["maxReplicas"] });
    const elsewhere = { ...inputs, remote: { ...inputs.remote!, workdir: ".other" } };
    expect(await diff(outs, elsewhere)).toMatchObject({ changes: true, replaces: ["remote"] });

    // Another pinned key added next to the host's: the diff logs in with the new pins, the update records them.
    const repinned: LocalPlatformInputs = {
      ...inputs,
      remote: {
        ...inputs.remote!,
        // A second real public key (the client's) pinned for the same address.
        connection: { ...inputs.remote!.connection, knownHosts: inputs.remote!.connection.knownHosts + knownHostsLines(host.address, host.port, [readFileSync(`${host.privateKey}.pub`, "utf8")]) },
      },
    };
    expect(await diff(outs, repinned)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    const updated = await update(outs, repinned);
    expect(updated.outs.remote).toEqual(repinned.remote);
    expect(updated.outs.processes).toEqual(outs.processes);
  });

  it("a process killed on the host: read forgets the platform, diff replaces it", async () => {
    const nodeExporter = outs.processes["node-exporter"];
    process.kill(nodeExporter.pid, "SIGKILL");
    await until("node-exporter to exit", () => commandLine(nodeExporter.pid) === undefined);
    expect(await read(id, outs)).toEqual({ id: undefined, props: undefined });
    expect(await diff(outs, inputs)).toEqual({ changes: true, replaces: ["processes"], deleteBeforeReplace: true });
  });

  it("remove stops exactly our processes with their groups, never a pid that lost the marker, and leaves no port open", async () => {
    // The dead node-exporter's pid, recycled on the host by another program of the same user.
    const decoy = Number(
      execFileSync(
        requireTool("ssh"),
        [...host.sshOptions, "-i", host.privateKey, `${host.user}@${host.address}`, "setsid sleep 600 >/dev/null 2>&1 </dev/null & echo $!"],
        { encoding: "utf8" },
      ).trim(),
    );
    decoys.push(decoy);
    // `$!` is printed at fork; the decoy is `sleep 600` once setsid and then sleep have exec'd.
    await until("the decoy to run", () => commandLine(decoy) === "sleep 600", 5_000);
    const recycled: LocalPlatformOutputs = { ...outs, processes: { ...outs.processes, "node-exporter": { pid: decoy, marker: outs.processes["node-exporter"].marker } } };
    const workers = execFileSync(requireTool("pgrep"), ["-g", String(outs.processes.gateway.pid)], { encoding: "utf8" }).trim().split("\n").map(Number);
    expect(workers.length).toBeGreaterThan(1); // the gateway and its function replicas

    await remove(recycled);

    expect(commandLine(decoy)).toBe("sleep 600");
    for (const pid of [...workers, outs.processes.prometheus.pid]) expect(commandLine(pid)).toBeUndefined();
    expect(listeners(host.namespace)).toEqual([`${host.address}:22`]);
    expect(host.listeningPorts()).toEqual([22]);
    // Nothing of the platform is left in the namespace: only sshd (and the decoy).
    const left = execFileSync(requireTool("ip"), ["netns", "pids", host.namespace], { encoding: "utf8" }).trim().split("\n").map(Number);
    for (const pid of left.filter((p) => p !== decoy)) expect(readFileSync(`/proc/${pid}/comm`, "utf8").trim()).toMatch(/^sshd/);
    const stateDir = join(root, "platform");
    for (const gone of ["gateway-password", "prometheus-data", ...NAMES.map((n) => `${n}.pid`)]) expect(existsSync(join(stateDir, gone))).toBe(false);
    expect(existsSync(join(stateDir, "logs/gateway.log"))).toBe(true); // logs stay for a post-mortem
  });

  it("the host's supervision: a missing tool fails naming itself, a crash fails fast quoting its log", async () => {
    const platformHost = new SshPlatformHost(inputs.remote!, inputs.privateKey!);
    try {
      const { stateDir } = await platformHost.layout();
      const logFile = join(stateDir, "logs/missing.log");
      await expect(
        platformHost.startDetached({ command: "peva-no-such-tool", args: [], logFile, pidFile: join(stateDir, "missing.pid"), marker: stateDir }),
      ).rejects.toThrow(/peva-no-such-tool: not found on PATH/);
      expect(await platformHost.stop({ pid: decoys[0]!, marker: stateDir }, 1_000)).toBe("not-running");
      expect(commandLine(decoys[0]!)).toBe("sleep 600");

      // Stop signals the whole process group: a child that would outlive its leader goes too.
      const leader = await platformHost.startDetached({
        command: "sh",
        args: ["-c", "sleep 601 & wait", stateDir],
        logFile: join(stateDir, "logs/group.log"),
        pidFile: join(stateDir, "group.pid"),
        marker: stateDir,
      });
      let group: number[] = [];
      await until("the group's child", () => (group = execFileSync(requireTool("pgrep"), ["-g", String(leader.pid)], { encoding: "utf8" }).trim().split("\n").map(Number)).length === 2);
      expect(await platformHost.isOurs(leader)).toBe(true);
      expect(await platformHost.stop(leader, 5_000)).toBe("terminated");
      await until("the group to end", () => group.every((pid) => commandLine(pid) === undefined), 5_000);
    } finally {
      await platformHost.close();
    }
    // A gateway that cannot start (its main is missing from the bundle) is reported at once, with its log.
    rmSync(join(root, "bundle"));
    symlinkSync(mkdtempSync(join(tmpdir(), "peva-empty-bundle-")), join(root, "bundle"));
    const started = Date.now();
    const failure = await create(inputs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PlatformProcessExitedError);
    expect(String(failure)).toMatch(/gateway on peva-platform@10\.213\.\d+\.2:22 exited while starting; the end of its log .*gateway\.log:\n[\s\S]*gateway-main\.ts/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(host.listeningPorts()).toEqual([22]);
  });
});

describe("the embedded platform on this machine", () => {
  const stateRoot = mkdtempSync(join(tmpdir(), "peva-local-platform-"));
  afterAll(() => rmSync(stateRoot, { recursive: true, force: true }));

  it("listens on loopback, runs gateway and workers in a node cgroup of the declared size, and remove frees its ports and the cgroup", async () => {
    const inputs: LocalPlatformInputs = {
      stateDir: join(stateRoot, "platform"),
      maxReplicas: 2,
      queueDepth: 8,
      node: { cpus: 1, memoryMb: 1024, isolation: "cgroup" },
      providerVersion: "test",
    };
    const { id, outs } = await create(inputs);
    let gatewayPid = 0;
    try {
      expect(id).toBe(`local-platform:${join(stateRoot, "platform")}`);
      expect(outs.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(outs.nodeCores).toBe(1);
      expect(outs.nodeIsolation).toMatch(/^cgroup-v[12]$/);
      gatewayPid = outs.processes.gateway.pid;
      const node = `peva-lab-node-${gatewayPid}`;
      expect(readFileSync(`/proc/${gatewayPid}/cgroup`, "utf8")).toContain(`/${node}\n`);
      for (const worker of childPids(gatewayPid)) expect(readFileSync(`/proc/${worker}/cgroup`, "utf8")).toContain(`/${node}\n`);
      expect(childPids(gatewayPid).length).toBeGreaterThan(0);
      expect(await httpStatus(`${outs.gatewayUrl}/healthz`)).toBe(200);
      expect(await read(id, outs)).toEqual({ id, props: outs });
      expect(await diff(outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
    } finally {
      await remove(outs);
    }
    for (const name of NAMES) expect(commandLine(outs.processes[name].pid)).toBeUndefined();
    await expect(fetch(`${outs.gatewayUrl}/healthz`)).rejects.toThrow();
    expect(existsSync(join(stateRoot, "platform/gateway.pid"))).toBe(false);
    expect(nodeCgroupDirs(gatewayPid)).toEqual([]);
  });
});

/** Live children of `pid` (from /proc). */
function childPids(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Directories named after the node cgroup of gateway `pid` anywhere under /sys/fs/cgroup (at most 6 deep). */
function nodeCgroupDirs(pid: number): string[] {
  const out = execFileSync("find", ["/sys/fs/cgroup", "-maxdepth", "6", "-type", "d", "-name", `peva-lab-node-${pid}`], { encoding: "utf8" });
  return out.split("\n").filter((l) => l !== "");
}

/**
 * The contract every `RunnerTransport` keeps, run against both implementations: this machine (`LocalTransport`)
 * and a host in its own network namespace reached through a real sshd (`SshTransport`). Files are written 0600
 * and atomically, read by offset byte-exactly (a multi-byte character split across reads decodes whole), fetched
 * singly and as trees; real paths are resolved on the host; the runner starts detached as the leader of its own
 * process group with `<pid> <spec>` in its pid file, and a kill takes the group. Over SSH, a cut link is survived:
 * the read in flight completes once the link is back, from the same offset.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, appendFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalTransport } from "../../components/transport/local-transport.ts";
import { SshTransport } from "../../components/transport/ssh-transport.ts";
import type { RunnerTransport } from "../../components/transport/runner-transport.ts";
import { startNetnsSshHost, type NetnsSshHost } from "../support/netns-host.ts";
import { REPO } from "../support/toolchain.ts";
import { SMALL_CAMPAIGN } from "../support/campaign.ts";
import { RUN_SPEC_SCHEMA } from "@peva-lab/peva-faas/runner";

/** A transport with a scratch root on its host, and the address the host reaches this machine at. */
interface Subject {
  readonly transport: RunnerTransport;
  /** Absolute scratch directory on the runner host (the same filesystem here: only the network is separate). */
  readonly root: string;
  /** Where a server on this machine is reachable from the runner host. */
  readonly controllerAddress: string;
  readonly host?: NetnsSshHost;
  stop(): Promise<void>;
}

/** The runner layout runner setup prepares: `<root>/bin/node` and `<root>/bundle` (here: this checkout). */
function fakeRunnerSetup(root: string): void {
  mkdirSync(join(root, "bin"), { recursive: true });
  symlinkSync(process.execPath, join(root, "bin/node"));
  symlinkSync(REPO, join(root, "bundle"));
}

const subjects: Record<"local" | "ssh", () => Promise<Subject>> = {
  local: async () => {
    const root = mkdtempSync(join(tmpdir(), "peva-transport-local-"));
    return {
      transport: new LocalTransport("localhost", REPO),
      root,
      controllerAddress: "127.0.0.1",
      stop: async () => rmSync(root, { recursive: true, force: true }),
    };
  },
  ssh: async () => {
    const host = await startNetnsSshHost();
    const root = mkdtempSync(join(tmpdir(), "peva-transport-ssh-"));
    chmodSync(root, 0o755);
    fakeRunnerSetup(root);
    const transport = new SshTransport(
      "netns-runner",
      { host: host.address, port: 22, user: host.user },
      { privateKey: readFileSync(host.privateKey, "utf8"), knownHosts: host.knownHostsLine },
      root,
      { policy: { attempts: 12, baseDelayMs: 500, maxDelayMs: 4_000 } },
    );
    return {
      transport,
      root,
      controllerAddress: host.address.replace(/\.\d+$/, ".1"),
      host,
      stop: async () => {
        await transport.close();
        host.stop();
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
};

/** Process group id of a pid (field 5 of /proc/<pid>/stat; the test hosts share this machine's pid namespace). */
function pgidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

describe.each(["local", "ssh"] as const)("RunnerTransport contract: %s", (kind) => {
  let s: Subject;
  beforeAll(async () => {
    s = await subjects[kind]();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("writes files 0600 and atomically, reads them by offset byte-exactly, exists/touch/remove", async () => {
    const { transport, root } = s;
    const file = join(root, "deep/dir/events.jsonl");
    const text = '{"m":"héllo ✓ wörld 🙂"}\n';
    await transport.writeFile(file, text);
    expect(readFileSync(file, "utf8")).toBe(text);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await transport.readFrom(join(root, "absent"), 0)).toHaveLength(0);
    // One byte per read: the decoder sees split characters and still yields the text.
    const decoder = new StringDecoder("utf8");
    let decoded = "";
    const bytes = Buffer.byteLength(text);
    for (let offset = 0; offset < bytes; offset++) {
      const chunk = await transport.readFrom(file, offset, 1);
      expect(chunk).toHaveLength(1);
      decoded += decoder.write(chunk);
    }
    expect(decoded + decoder.end()).toBe(text);
    expect(await transport.readFrom(file, bytes)).toHaveLength(0);
    expect((await transport.readFrom(file, 7)).toString("utf8")).toBe(text.slice(7 - 0));
    expect(await transport.exists(file)).toBe(true);
    await transport.touch(join(root, "STOP"));
    expect(await transport.exists(join(root, "STOP"))).toBe(true);
    await transport.remove(join(root, "deep"));
    expect(await transport.exists(file)).toBe(false);
    await transport.remove(join(root, "never-existed"));
  });

  it("resolves paths on the host: absolute as given, relative to the project (local) or the home (SSH)", async () => {
    const { transport, root } = s;
    expect(await transport.resolvePath(root)).toBe(root);
    const home = await transport.homeDir();
    expect(home).toMatch(/^\//);
    expect(await transport.resolvePath(".peva-lab")).toBe(kind === "local" ? join(REPO, ".peva-lab") : join(home, ".peva-lab"));
  });

  it("fetches a file and a tree with awkward names to the controller", async () => {
    const { transport, root } = s;
    const tree = join(root, "tree");
    const names = ["plain.parquet", "with space.parquet", "quote'd.parquet", "$(touch pwned).parquet", "ünïcode.parquet"];
    mkdirSync(join(tree, "sub dir"), { recursive: true });
    for (const n of names) writeFileSync(join(tree, "sub dir", n), `data of ${n}`);
    writeFileSync(join(tree, "top.bin"), Buffer.from([0, 1, 2, 255]));
    const into = mkdtempSync(join(tmpdir(), `peva-fetch-${kind}-`));
    try {
      await transport.fetchTree(tree, join(into, "copy"));
      for (const n of names) expect(readFileSync(join(into, "copy", "sub dir", n), "utf8")).toBe(`data of ${n}`);
      expect([...readFileSync(join(into, "copy", "top.bin"))]).toEqual([0, 1, 2, 255]);
      await transport.fetchFile(join(tree, "top.bin"), join(into, "single", "top.bin"));
      expect([...readFileSync(join(into, "single", "top.bin"))]).toEqual([0, 1, 2, 255]);
      expect(() => statSync(join(root, "pwned"))).toThrow();
    } finally {
      rmSync(into, { recursive: true, force: true });
    }
  });

  it("resolves real paths on the host: symlinks followed, a missing tail appended", async () => {
    const { transport, root } = s;
    mkdirSync(join(root, "real/inner"), { recursive: true });
    symlinkSync(join(root, "real"), join(root, "alias"));
    symlinkSync("/etc", join(root, "escape"));
    // A dangling symlink is followed to where it points (a path through it lands there once the target exists).
    symlinkSync(join(root, "not-yet-outside"), join(root, "dangling"));
    const asked = [join(root, "alias/inner/not-yet/file"), join(root, "escape/passwd"), join(root, "new line\nname"), join(root, "dangling/data"), join(root, "trailing\n")];
    expect(await transport.realPaths(asked)).toEqual([
      join(root, "real/inner/not-yet/file"),
      "/etc/passwd",
      join(root, "new line\nname"),
      join(root, "not-yet-outside/data"),
      join(root, "trailing\n"),
    ]);
  });

  it("removes a symlink itself, never what it points to (trailing slash or not), and a tree without following its links", async () => {
    const { transport, root } = s;
    const target = join(root, "link-target");
    mkdirSync(join(target, "sub"), { recursive: true });
    writeFileSync(join(target, "sub/keep.txt"), "keep");
    mkdirSync(join(root, "tree/inner"), { recursive: true });
    symlinkSync(target, join(root, "tree/inner/link"));
    symlinkSync(target, join(root, "link"));
    symlinkSync(target, join(root, "link-slash"));
    await transport.remove(join(root, "link"));
    await transport.remove(`${join(root, "link-slash")}/`);
    await transport.remove(join(root, "tree"));
    expect(readFileSync(join(target, "sub/keep.txt"), "utf8")).toBe("keep");
    for (const gone of ["link", "link-slash", "tree"]) expect(() => lstatSync(join(root, gone)), gone).toThrow();
  });

  it("starts the runner detached as its own process-group leader, records it, and kills the group", async () => {
    const { transport, root } = s;
    // A gateway that accepts and never answers keeps the runner in its preflight for its 5 s timeout.
    const sockets: Socket[] = [];
    const server: Server = createServer((c) => sockets.push(c));
    await new Promise<void>((ok) => server.listen(0, s.controllerAddress, ok));
    const port = (server.address() as { port: number }).port;
    try {
      const runDir = join(root, "runs", "r-1");
      const spec = {
        schema: RUN_SPEC_SCHEMA,
        run_id: "r-1",
        host: "h",
        workdir: root,
        results_dir: join(root, "results"),
        run_dir: runDir,
        platform: "local",
        gateway: { url: `http://${s.controllerAddress}:${port}`, user: "admin", password_file: join(runDir, "pw") },
        prometheus: { url: `http://${s.controllerAddress}:${port}` },
        node_cores: 1,
        settings: SMALL_CAMPAIGN,
      };
      await transport.writeFile(join(runDir, "pw"), "secret");
      await transport.writeFile(join(runDir, "spec.json"), JSON.stringify(spec));
      const proc = await transport.startRunner({ specPath: join(runDir, "spec.json"), logPath: join(runDir, "runner.log"), pidFile: join(root, "runner.pid"), workdir: root });
      expect(proc.marker).toBe(join(runDir, "spec.json"));
      expect(readFileSync(join(root, "runner.pid"), "utf8")).toBe(`${proc.pid} ${join(runDir, "spec.json")}\n`);
      expect(await transport.isRunning(proc), readFileSync(join(runDir, "runner.log"), "utf8")).toBe(true);
      expect(pgidOf(proc.pid)).toBe(proc.pid);
      // A pid that does not carry the marker is not ours: never reported running, never killed.
      expect(await transport.isRunning({ pid: proc.pid, marker: "some-other-spec.json" })).toBe(false);
      await transport.kill({ pid: proc.pid, marker: "some-other-spec.json" });
      expect(await transport.isRunning(proc)).toBe(true);
      await transport.kill(proc);
      for (let i = 0; i < 50 && (await transport.isRunning(proc)); i++) await sleep(100);
      expect(await transport.isRunning(proc)).toBe(false);
    } finally {
      for (const c of sockets) c.destroy();
      server.close();
    }
  });

});

describe("SshTransport over a cut connection", () => {
  let s: Subject;
  beforeAll(async () => {
    s = await subjects.ssh();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("survives a cut link: the read in flight completes from the same offset once the link is back", { timeout: 120_000 }, async () => {
    const { transport, root, host } = s;
    const file = join(root, "growing.jsonl");
    await transport.writeFile(file, "line 1\n");
    expect((await transport.readFrom(file, 0)).toString()).toBe("line 1\n");
    host!.linkDown();
    const inFlight = transport.readFrom(file, 7);
    // The run goes on while the controller cannot see it. The cut outlasts the keep-alive (3 × 5 s), so the
    // master connection dies and the client must re-establish it rather than ride out a TCP retransmit.
    appendFileSync(file, "line 2 ✓\n");
    await sleep(20_000);
    host!.linkUp();
    expect((await inFlight).toString("utf8")).toBe("line 2 ✓\n");
    // sshd restarted under the connection: the next read reconnects too.
    await host!.restartSshd();
    appendFileSync(file, "line 3\n");
    expect((await transport.readFrom(file, 7 + Buffer.byteLength("line 2 ✓\n"))).toString()).toBe("line 3\n");
  });
});

/**
 * The embedded platform on a remote host reached over SSH ({@link SshClient}). Runner setup prepared the host:
 * `<root>/bin/node`, the bundle unpacked at `<root>/bundle` with `@peva-lab/platform-local`'s dependencies, and
 * `prometheus` and `prometheus-node-exporter` on PATH (`<root>/bin` is put first). The processes are supervised
 * there as on this machine: detached in their own session and process group, pid files in `<root>/platform`,
 * stopped only after their command line was checked against the marker.
 *
 * The platform listens on the address the controller uses for the host (the runner host reaches it there too),
 * so the controller must reach the platform's ports on that address, as it reaches the host's sshd: readiness is
 * checked over HTTP from the controller.
 */
import { hostPort } from "../../plan/host-port.ts";
import { remotePlatformLayout, remoteRoot, type PlatformLayout } from "../../plan/local-platform.ts";
import { SshClient, type ReconnectPolicy } from "../transport/ssh-client.ts";
import { SshFiles } from "../transport/ssh-files.ts";
import type { PinnedSshTarget } from "../transport/ssh-options.ts";
import { PlatformHostReplyError } from "./errors.ts";
import type { PlatformHost, StartedProcess, StopOutcome } from "./platform-host.ts";
import { freePortsCommand, ownedCommand, parsePorts, parsePositiveInteger, startCommand, stopCommand } from "./ssh-scripts.ts";

/** Where the platform runs remotely: how to log in, and the peva-lab workdir there. */
export interface SshPlatformPlacement {
  readonly connection: PinnedSshTarget;
  /** The workdir runner setup prepared, relative to the login user's home (e.g. `.peva-lab`), or absolute. */
  readonly workdir: string;
}

/** How long a stop may take beyond its grace period (the SIGKILL wait and the SSH round trip). */
const STOP_SLACK_MS = 30_000;

/** A remote platform host. Call {@link close} when done. */
export class SshPlatformHost implements PlatformHost {
  readonly name: string;
  readonly #client: SshClient;
  readonly #files: SshFiles;
  readonly #placement: SshPlatformPlacement;

  /**
   * @param placement the host, its pinned host keys, and the workdir runner setup prepared there
   * @param privateKey the SSH private key of `placement.connection.user`
   */
  constructor(placement: SshPlatformPlacement, privateKey: string, opts: { policy?: ReconnectPolicy } = {}) {
    const { host, port, user, knownHosts } = placement.connection;
    this.name = `${user}@${hostPort(host, port)}`;
    this.#placement = placement;
    this.#client = new SshClient({ host, port, user }, { privateKey, knownHosts }, opts);
    this.#files = new SshFiles(this.#client, this.name);
  }

  layout(): Promise<PlatformLayout> {
    return this.#remoteLayout();
  }

  #remoteLayout(): Promise<PlatformLayout & { readonly binDir: string }> {
    return this.#files.homeDir().then((home) => remotePlatformLayout(remoteRoot(home, this.#placement.workdir), this.#placement.connection.host));
  }

  async makeDirectory(path: string): Promise<void> {
    await this.#client.run(`creating ${path}`, "exec xargs -0 mkdir -p --", { stdin: `${path}\0`, retry: true });
  }

  async writeFile(path: string, content: string): Promise<void> {
    // Always private on the host (umask 077): the processes run as the login user, nobody else needs to read.
    await this.#files.writeFile(path, content);
  }

  async removePath(path: string): Promise<void> {
    await this.#files.remove(path);
  }

  async tail(path: string, maxBytes: number): Promise<string> {
    return (await this.#files.readTail(path, maxBytes)).toString("utf8");
  }

  async freePorts(count: number): Promise<number[]> {
    const { nodePath, address } = await this.#remoteLayout();
    const cmd = freePortsCommand(nodePath, address, count);
    const out = (await this.#client.run(`picking free ports on ${address}`, cmd.script, { stdin: cmd.stdin, retry: true })).toString("utf8");
    const ports = parsePorts(out, count);
    if (!ports) throw new PlatformHostReplyError(this.name, "picking free ports", out, `${count} distinct port numbers`);
    return ports;
  }

  async startDetached(opts: { command: string; args: readonly string[]; logFile: string; pidFile: string; marker: string }): Promise<StartedProcess> {
    const { binDir } = await this.#remoteLayout();
    const cmd = startCommand({ binDir, logFile: opts.logFile, pidFile: opts.pidFile, command: opts.command, args: opts.args });
    // Not retried: after a dropped connection the first start may have happened, and a second would run twice.
    const out = (await this.#client.run(`starting ${opts.command}`, cmd.script, { stdin: cmd.stdin })).toString("utf8");
    const pid = parsePositiveInteger(out);
    if (pid === undefined || pid <= 1) throw new PlatformHostReplyError(this.name, `starting ${opts.command}`, out, "its process id");
    return { pid, marker: opts.marker };
  }

  async isOurs(proc: StartedProcess): Promise<boolean> {
    const cmd = ownedCommand(proc.pid, proc.marker);
    const out = (await this.#client.run(`checking process ${proc.pid}`, cmd.script, { stdin: cmd.stdin, retry: true })).toString("utf8").trim();
    if (out !== "ours" && out !== "gone") throw new PlatformHostReplyError(this.name, `checking process ${proc.pid}`, out, "'ours' or 'gone'");
    return out === "ours";
  }

  async stop(proc: StartedProcess, graceMs: number): Promise<StopOutcome> {
    const cmd = stopCommand(proc.pid, proc.marker, graceMs);
    // Retrying is safe: every signal is sent only after the marker check, so a repeat finds `not-running`.
    const out = (
      await this.#client.run(`stopping process ${proc.pid}`, cmd.script, { stdin: cmd.stdin, retry: true, timeoutMs: graceMs + STOP_SLACK_MS })
    )
      .toString("utf8")
      .trim();
    if (out !== "not-running" && out !== "terminated" && out !== "killed") {
      throw new PlatformHostReplyError(this.name, `stopping process ${proc.pid}`, out, "'not-running', 'terminated' or 'killed'");
    }
    return out;
  }

  async cores(): Promise<number> {
    const out = (await this.#client.run("counting processors (nproc)", "nproc", { retry: true })).toString("utf8");
    const cores = parsePositiveInteger(out);
    if (cores === undefined) throw new PlatformHostReplyError(this.name, "counting processors (nproc)", out, "a positive integer");
    return cores;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/**
 * One SSH connection to a lab host, through the OpenSSH client with connection multiplexing (a master
 * connection, then one cheap session per command over its control socket).
 *
 * Why OpenSSH and not npm `ssh2`: it is the client Ansible already uses for setup, so one pinned known_hosts file
 * serves both; it needs no native addon (ssh2's optional `cpu-features` compiles C++ at `npm ci`); and host-key
 * checking, keep-alives and timeouts are the ones every operator already knows.
 *
 * Secrets: the private key and the pinned known_hosts live in a private directory (0700, files 0600) for the
 * life of the client and are removed by {@link SshClient.close}. `ssh` gets a minimal environment (no agent, no
 * user config: `-F /dev/null`), and host keys are always checked against the pinned ones.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createWriteStream, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { shellQuote } from "../../plan/commands.ts";
import { SshCommandError, SshTimeoutError, SshUnreachableError } from "./ssh-errors.ts";
import { reconnectDelaysMs, sshCommonOptions, type SshTarget } from "./ssh-options.ts";

/** Result of one remote command. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** How the client behaves when the connection drops. */
export interface ReconnectPolicy {
  /** Attempts to re-establish the master connection before giving up. */
  readonly attempts: number;
  /** First delay between attempts; doubles up to {@link maxDelayMs}. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The default: about 80 s of attempts, enough for an sshd restart or a short network cut. */
const DEFAULT_RECONNECT: ReconnectPolicy = { attempts: 8, baseDelayMs: 1_000, maxDelayMs: 15_000 };

/** Exit status OpenSSH uses for its own failures (connection refused, lost, host key mismatch…). */
const SSH_FAILURE = 255;

/** Clients not closed yet: their masters and key files go when this process exits, even without a close(). */
const open = new Set<SshClient>();
process.once("exit", () => {
  for (const client of open) client.closeNow();
});

/** A multiplexed SSH connection. Call {@link close} when done (the key file goes with it). */
export class SshClient {
  /** Where this client connects. */
  readonly target: SshTarget;
  readonly #privateKey: string;
  readonly #knownHosts: string;
  readonly #policy: ReconnectPolicy;
  readonly #ssh: string;
  #dir: string | undefined;
  #master: ChildProcess | undefined;
  /** Control socket of the current master; a fresh name per master, so a dying one never answers for it. */
  #socket = "";
  #masters = 0;
  #closed = false;

  /**
   * @param target where to connect
   * @param secrets the private key (PEM/OpenSSH text) and the pinned known_hosts lines for the target
   */
  constructor(target: SshTarget, secrets: { privateKey: string; knownHosts: string }, opts: { policy?: ReconnectPolicy; ssh?: string } = {}) {
    if (!secrets.knownHosts.trim()) throw new Error(`no pinned host key for ${target.host}: refusing to connect without host-key checking`);
    this.target = target;
    this.#privateKey = secrets.privateKey.endsWith("\n") ? secrets.privateKey : `${secrets.privateKey}\n`;
    this.#knownHosts = secrets.knownHosts.endsWith("\n") ? secrets.knownHosts : `${secrets.knownHosts}\n`;
    this.#policy = opts.policy ?? DEFAULT_RECONNECT;
    this.#ssh = opts.ssh ?? "ssh";
  }

  /**
   * Runs a POSIX `sh` script on the host. With `retry` (for idempotent commands only), a dropped connection is
   * re-established with bounded backoff and the command runs again; without it, the drop is an error.
   */
  async exec(script: string, opts: { stdin?: string | Buffer; timeoutMs?: number; retry?: boolean } = {}): Promise<ExecResult> {
    return this.#withReconnect(opts.retry ?? false, async () => {
      const child = this.#session(script);
      return collect(child, opts.stdin, opts.timeoutMs ?? 120_000);
    });
  }

  /** Like {@link exec} but fails unless the script exits 0; `what` names the operation in the error. */
  async run(what: string, script: string, opts: { stdin?: string | Buffer; timeoutMs?: number; retry?: boolean } = {}): Promise<Buffer> {
    const r = await this.exec(script, opts);
    if (r.code !== 0) throw new SshCommandError(this.target.host, what, r.code, r.stderr);
    return r.stdout;
  }

  /**
   * Runs `script` and streams its stdout into a local file (large files: the memory, archives). Retried whole on a
   * dropped connection; anything but exit 0 is an error (a truncated copy never passes as a copy).
   */
  async execToFile(what: string, script: string, localPath: string, timeoutMs = 3_600_000): Promise<void> {
    const r = await this.#withReconnect(true, async () => {
      const child = this.#session(script);
      const out = createWriteStream(localPath, { mode: 0o600 });
      child.stdout!.pipe(out);
      const result = await collect(child, undefined, timeoutMs, true);
      await new Promise<void>((ok, fail) => out.close((e) => (e ? fail(e) : ok())));
      return result;
    });
    if (r.code !== 0) throw new SshCommandError(this.target.host, what, r.code, r.stderr);
  }

  /** Closes the master connection and removes the key and known_hosts files. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    open.delete(this);
    await this.#stopMaster();
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  /** The synchronous part of {@link close}, for process exit: kill the master, remove the key files. */
  closeNow(): void {
    this.#closed = true;
    open.delete(this);
    this.#master?.kill("SIGKILL");
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  async #withReconnect(retry: boolean, op: () => Promise<ExecResult>): Promise<ExecResult> {
    await this.#ensureMaster();
    const first = await op();
    if (first.code !== SSH_FAILURE) return first;
    if (!(await this.#masterAlive())) {
      if (!retry) throw new SshUnreachableError(this.target.host, 1, first.stderr.trim());
      let last = first.stderr.trim();
      for (const delay of reconnectDelaysMs(this.#policy)) {
        await sleep(delay);
        try {
          await this.#stopMaster();
          await this.#ensureMaster();
        } catch (e) {
          last = e instanceof Error ? e.message : String(e);
          continue;
        }
        const again = await op();
        if (again.code !== SSH_FAILURE || (await this.#masterAlive())) return again;
        last = again.stderr.trim();
      }
      throw new SshUnreachableError(this.target.host, this.#policy.attempts, last);
    }
    return first;
  }

  #session(script: string): ChildProcess {
    return spawn(
      this.#ssh,
      [...this.#options(), "-S", this.#socket, "-o", "ControlMaster=no", "-l", this.target.user, "--", this.target.host, `sh -c ${shellQuote(script)}`],
      { stdio: ["pipe", "pipe", "pipe"], env: minimalEnv() },
    );
  }

  #options(): string[] {
    return sshCommonOptions(this.target, { identityFile: join(this.#dir!, "key"), knownHostsFile: join(this.#dir!, "known_hosts") });
  }

  async #ensureMaster(): Promise<void> {
    if (this.#closed) throw new Error(`the SSH client for ${this.target.host} is closed`);
    if (this.#master && this.#master.exitCode === null && this.#master.signalCode === null) return;
    if (!this.#dir) {
      this.#dir = await mkdtemp(join(tmpdir(), "peva-ssh-"));
      open.add(this);
      await writeFile(join(this.#dir, "key"), this.#privateKey, { mode: 0o600 });
      await writeFile(join(this.#dir, "known_hosts"), this.#knownHosts, { mode: 0o600 });
    }
    this.#socket = join(this.#dir, `ctl-${++this.#masters}`);
    const master = spawn(this.#ssh, [...this.#options(), "-M", "-S", this.#socket, "-N", "-l", this.target.user, "--", this.target.host], {
      stdio: ["ignore", "ignore", "pipe"],
      env: minimalEnv(),
    });
    this.#master = master;
    let stderr = "";
    let spawnError: Error | undefined;
    master.once("error", (e) => (spawnError = e)); // e.g. no `ssh` on PATH: a failure to report, not a crash
    master.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    // Ready once the control socket answers; failed once the master exits. ConnectTimeout bounds the attempt.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (spawnError) throw new SshUnreachableError(this.target.host, 1, `cannot run ${this.#ssh}: ${spawnError.message}`);
      if (master.exitCode !== null || master.signalCode !== null) {
        throw new SshUnreachableError(this.target.host, 1, stderr.trim() || `ssh exited with ${master.exitCode ?? master.signalCode}`);
      }
      if (await this.#masterAlive()) return;
      await sleep(100);
    }
    await this.#stopMaster();
    throw new SshUnreachableError(this.target.host, 1, `no connection within 30 s${stderr ? `: ${stderr.trim()}` : ""}`);
  }

  async #masterAlive(): Promise<boolean> {
    if (!this.#dir || !this.#master || this.#master.exitCode !== null || this.#master.signalCode !== null) return false;
    const check = spawn(this.#ssh, [...this.#options(), "-S", this.#socket, "-O", "check", "-l", this.target.user, "--", this.target.host], {
      stdio: "ignore",
      env: minimalEnv(),
    });
    const code = await new Promise<number | null>((ok) => {
      check.once("error", () => ok(null));
      check.once("close", (c) => ok(c));
    });
    return code === 0;
  }

  /** Stops the current master and waits (bounded) until it has exited. */
  async #stopMaster(): Promise<void> {
    const master = this.#master;
    this.#master = undefined;
    if (!master || master.exitCode !== null || master.signalCode !== null) return;
    const exited = new Promise<void>((ok) => master.once("exit", () => ok()));
    master.kill("SIGTERM");
    const timer = setTimeout(() => master.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The environment `ssh` needs and nothing else: no agent socket, no secrets of the provider process. */
function minimalEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? tmpdir(), LANG: "C.UTF-8" };
}

async function collect(child: ChildProcess, stdin: string | Buffer | undefined, timeoutMs: number, stdoutPiped = false): Promise<ExecResult> {
  const out: Buffer[] = [];
  let err = "";
  if (!stdoutPiped) child.stdout!.on("data", (d: Buffer) => out.push(d));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString("utf8")));
  child.stdin!.on("error", () => undefined); // the remote side may exit before reading everything
  child.stdin!.end(stdin ?? "");
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  try {
    const code = await new Promise<number>((ok, fail) => {
      child.once("error", fail);
      child.once("close", (c, signal) => ok(c ?? (signal ? SSH_FAILURE : 1)));
    });
    if (timedOut) throw new SshTimeoutError(timeoutMs);
    return { code, stdout: Buffer.concat(out), stderr: err };
  } finally {
    clearTimeout(timer);
  }
}


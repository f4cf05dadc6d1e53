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
import { createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SshUnreachableError, SshCommandError } from "./ssh-errors.ts";
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
export const DEFAULT_RECONNECT: ReconnectPolicy = { attempts: 8, baseDelayMs: 1_000, maxDelayMs: 15_000 };

/** Exit status OpenSSH uses for its own failures (connection refused, lost, host key mismatch…). */
const SSH_FAILURE = 255;

/** A multiplexed SSH connection. Call {@link close} when done (the key file goes with it). */
export class SshClient {
  readonly target: SshTarget;
  readonly #privateKey: string;
  readonly #knownHosts: string;
  readonly #policy: ReconnectPolicy;
  readonly #ssh: string;
  #dir: string | undefined;
  #master: ChildProcess | undefined;
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

  /** Runs `script` and streams its stdout into a local file (large files: the memory, archives). Retried whole. */
  async execToFile(what: string, script: string, localPath: string, timeoutMs = 3_600_000): Promise<void> {
    await this.#withReconnect(true, async () => {
      const child = this.#session(script);
      const out = createWriteStream(localPath, { mode: 0o600 });
      child.stdout!.pipe(out);
      const r = await collect(child, undefined, timeoutMs, true);
      await new Promise<void>((ok, fail) => out.close((e) => (e ? fail(e) : ok())));
      if (r.code !== 0 && r.code !== SSH_FAILURE) throw new SshCommandError(this.target.host, what, r.code, r.stderr);
      return r;
    });
  }

  /** Closes the master connection and removes the key and known_hosts files. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopMaster();
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  async #withReconnect(retry: boolean, op: () => Promise<ExecResult>): Promise<ExecResult> {
    await this.#ensureMaster();
    const first = await op();
    if (first.code !== SSH_FAILURE) return first;
    if (!(await this.#masterAlive())) {
      if (!retry) throw new SshUnreachableError(this.target.host, 0, first.stderr.trim());
      let last = first.stderr.trim();
      for (const delay of reconnectDelaysMs(this.#policy)) {
        await sleep(delay);
        try {
          this.#stopMaster();
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
      [...this.#options(), "-S", join(this.#dir!, "ctl"), "-o", "ControlMaster=no", this.#destination(), "--", `sh -c ${shQuote(script)}`],
      { stdio: ["pipe", "pipe", "pipe"], env: minimalEnv() },
    );
  }

  #destination(): string {
    return `${this.target.user}@${this.target.host}`;
  }

  #options(): string[] {
    return sshCommonOptions(this.target, { identityFile: join(this.#dir!, "key"), knownHostsFile: join(this.#dir!, "known_hosts") });
  }

  async #ensureMaster(): Promise<void> {
    if (this.#closed) throw new Error(`the SSH client for ${this.target.host} is closed`);
    if (this.#master && this.#master.exitCode === null && this.#master.signalCode === null) return;
    if (!this.#dir) {
      this.#dir = await mkdtemp(join(tmpdir(), "peva-ssh-"));
      await writeFile(join(this.#dir, "key"), this.#privateKey, { mode: 0o600 });
      await writeFile(join(this.#dir, "known_hosts"), this.#knownHosts, { mode: 0o600 });
    }
    const master = spawn(this.#ssh, [...this.#options(), "-M", "-S", join(this.#dir, "ctl"), "-N", this.#destination()], {
      stdio: ["ignore", "ignore", "pipe"],
      env: minimalEnv(),
    });
    this.#master = master;
    let stderr = "";
    master.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    // Ready once the control socket answers; failed once the master exits. ConnectTimeout bounds the attempt.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (master.exitCode !== null || master.signalCode !== null) {
        throw new SshUnreachableError(this.target.host, 1, stderr.trim() || `ssh exited with ${master.exitCode ?? master.signalCode}`);
      }
      if (await this.#masterAlive()) return;
      await sleep(100);
    }
    this.#stopMaster();
    throw new SshUnreachableError(this.target.host, 1, `no connection within 30 s${stderr ? `: ${stderr.trim()}` : ""}`);
  }

  async #masterAlive(): Promise<boolean> {
    if (!this.#dir || !this.#master || this.#master.exitCode !== null || this.#master.signalCode !== null) return false;
    const check = spawn(this.#ssh, [...this.#options(), "-S", join(this.#dir, "ctl"), "-O", "check", this.#destination()], {
      stdio: "ignore",
      env: minimalEnv(),
    });
    const code = await new Promise<number | null>((ok) => {
      check.once("error", () => ok(null));
      check.once("close", (c) => ok(c));
    });
    return code === 0;
  }

  #stopMaster(): void {
    if (this.#master && this.#master.exitCode === null && this.#master.signalCode === null) this.#master.kill("SIGTERM");
    this.#master = undefined;
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
    if (timedOut) throw new Error(`a remote command did not finish within ${Math.round(timeoutMs / 1000)} s and was cut off`);
    return { code, stdout: Buffer.concat(out), stderr: err };
  } finally {
    clearTimeout(timer);
  }
}

/** Quotes a string for POSIX sh (single quotes; embedded quotes closed and escaped). */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

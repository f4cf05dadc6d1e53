/**
 * The transport of remote stacks: the runner host reached over SSH ({@link SshClient}). The runner runs there
 * from what runner setup installed (`<workdir>/bin/node`, `<workdir>/bundle`, `<workdir>/bin` first on PATH),
 * detached with `setsid` so it leads its own process group and outlives the SSH session, its pid recorded on the
 * host. Every read is by offset and idempotent, so a dropped connection is re-established and the read repeated.
 */
import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { ownedCommand, stopCommand } from "../platform-host/ssh-scripts.ts";
import { shellQuote } from "../../plan/commands.ts";
import { remoteRoot } from "../../plan/local-platform.ts";
import { SshClient, type ReconnectPolicy } from "./ssh-client.ts";
import { SshFiles } from "./ssh-files.ts";
import { SshCommandError } from "./ssh-errors.ts";
import type { SshTarget } from "./ssh-options.ts";
import { READ_CHUNK_BYTES, type RemoteFile, type RunnerProcess, type RunnerTransport } from "./runner-transport.ts";

/** The runner's entry point inside the bundle runner setup unpacks. */
const RUNNER_ENTRY = "bundle/plugins/peva-faas/bin/peva-faas.ts";

/** A runner host over SSH. */
export class SshTransport implements RunnerTransport {
  readonly host: string;
  readonly #client: SshClient;
  readonly #files: SshFiles;
  readonly #workdir: string;

  /**
   * @param host inventory name
   * @param target address, port and user
   * @param secrets private key and pinned known_hosts lines
   * @param workdir the runner workdir runner setup prepared (relative to the user's home, or absolute)
   */
  constructor(host: string, target: SshTarget, secrets: { privateKey: string; knownHosts: string }, workdir: string, opts: { policy?: ReconnectPolicy } = {}) {
    this.host = host;
    this.#client = new SshClient(target, secrets, opts);
    this.#files = new SshFiles(this.#client, host);
    this.#workdir = workdir;
  }

  async homeDir(): Promise<string> {
    return this.#files.homeDir();
  }

  async resolvePath(path: string): Promise<string> {
    return remoteRoot(await this.homeDir(), path);
  }

  async realPaths(paths: readonly string[]): Promise<string[]> {
    if (paths.length === 0) return [];
    // GNU `realpath -m`: every symlink followed, a dangling one too (a path through it lands where it points once
    // the target exists, as the guard must know), missing components appended; `-z`: each answer NUL-terminated,
    // byte-exact. Paths arrive NUL-separated on stdin (xargs -0): no user text is ever part of the command, and any
    // byte but NUL may appear in a path.
    const out = await this.#client.run("resolving cleanup paths", "exec xargs -0 realpath -m -z --", {
      stdin: `${paths.join("\0")}\0`,
      retry: true,
    });
    // One answer per path; the caller checks the count against its questions.
    return out.toString("utf8").split("\0").slice(0, -1).map((p) => posix.normalize(p));
  }

  async writeFile(path: string, content: string): Promise<void> {
    await this.#files.writeFile(path, content);
  }

  async fetchFile(remotePath: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    await this.#client.execToFile(`reading ${remotePath}`, `cat -- ${shellQuote(remotePath)}`, localPath);
  }

  async fetchTree(remoteDir: string, localDir: string): Promise<void> {
    // One tar stream instead of a command per file, holding only directories and regular files (no links or
    // devices reach the controller); unpacked by the controller's tar.
    await mkdir(localDir, { recursive: true });
    const archive = join(localDir, `.fetch-${process.pid}.tar`);
    try {
      await this.#client.execToFile(
        `archiving ${remoteDir}`,
        `cd ${shellQuote(remoteDir)} && find . -mindepth 1 \\( -type d -o -type f \\) -print0 | tar --null --no-recursion -T - -cf -`,
        archive,
      );
      await new Promise<void>((ok, fail) => {
        const tar = spawn("tar", ["-xf", archive, "-C", localDir, "--no-same-owner", "--no-same-permissions", "--exclude=./.fetch-*"], {
          stdio: ["ignore", "ignore", "pipe"],
          env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
        });
        let err = "";
        tar.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
        tar.once("error", fail);
        tar.once("close", (code) => (code === 0 ? ok() : fail(new Error(`unpacking ${remoteDir} from ${this.host} failed: ${err.trim()}`))));
      });
    } finally {
      await rm(archive, { force: true });
    }
  }

  async readFrom(path: string, offset: number, maxBytes = READ_CHUNK_BYTES): Promise<Buffer> {
    // `tail -c +N` starts at byte N (1-based); a missing file reads as empty, like the local transport.
    return (
      await this.#client.exec(`[ -f ${shellQuote(path)} ] || exit 0; tail -c +${offset + 1} -- ${shellQuote(path)} | head -c ${maxBytes}`, { retry: true })
    ).stdout;
  }

  async readTail(path: string, maxBytes: number): Promise<Buffer> {
    return this.#files.readTail(path, maxBytes);
  }

  async listTree(dir: string): Promise<RemoteFile[]> {
    const out = await this.#client.run(`listing ${dir}`, `cd ${shellQuote(dir)} && find . -type f -printf '%s %P\\0'`, { retry: true });
    return out
      .toString("utf8")
      .split("\0")
      .filter(Boolean)
      .map((entry) => {
        const space = entry.indexOf(" ");
        return { path: entry.slice(space + 1), size: Number(entry.slice(0, space)) };
      })
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  async exists(path: string): Promise<boolean> {
    const r = await this.#client.exec(`test -e ${shellQuote(path)}`, { retry: true });
    if (r.code === 0) return true;
    if (r.code === 1) return false;
    throw new Error(`checking ${path} on ${this.host} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }

  async touch(path: string): Promise<void> {
    await this.#client.run(`creating ${path}`, `mkdir -p -- ${shellQuote(posix.dirname(path))} && : > ${shellQuote(path)}`, { retry: true });
  }

  async remove(path: string): Promise<void> {
    await this.#files.remove(path);
  }

  async startRunner(opts: { specPath: string; logPath: string; pidFile: string; workdir: string }): Promise<RunnerProcess> {
    const root = await this.resolvePath(this.#workdir);
    const node = posix.join(root, "bin/node");
    const entry = posix.join(root, RUNNER_ENTRY);
    // setsid: a new session and process group led by the runner (a background job of a non-interactive shell is
    // not a group leader, so setsid execs in place and `$!` is the runner's pid). stdin from /dev/null and the
    // output in the log file: nothing ties the runner to this SSH session. Not retried: a second start would run
    // the campaign twice.
    const script = [
      "set -eu",
      `cd ${shellQuote(opts.workdir)}`,
      `mkdir -p -- ${shellQuote(posix.dirname(opts.logPath))}`,
      `PATH=${shellQuote(posix.join(root, "bin"))}:"$PATH"; export PATH`,
      `setsid ${shellQuote(node)} ${shellQuote(entry)} run --spec ${shellQuote(opts.specPath)} >> ${shellQuote(opts.logPath)} 2>&1 < /dev/null &`,
      `printf '%s %s\\n' "$!" ${shellQuote(opts.specPath)} > ${shellQuote(opts.pidFile)}`,
      "echo $!",
    ].join("\n");
    const out = (await this.#client.run("starting the runner", script)).toString("utf8").trim();
    const pid = Number(out);
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`starting the runner on ${this.host} printed no pid: '${out.slice(0, 200)}'`);
    return { pid, marker: opts.specPath };
  }

  async isRunning(proc: RunnerProcess): Promise<boolean> {
    // An answer other than ours/gone (a failed session) is an error, never "the runner is dead".
    const { script, stdin } = ownedCommand(proc.pid, proc.marker);
    const answer = (await this.#client.run(`checking runner pid ${proc.pid}`, script, { stdin, retry: true })).toString("utf8").trim();
    if (answer === "ours") return true;
    if (answer === "gone") return false;
    throw new SshCommandError(this.host, `checking runner pid ${proc.pid}`, 0, `unexpected answer '${answer.slice(0, 100)}'`);
  }

  async kill(proc: RunnerProcess): Promise<void> {
    // Only a pid that still carries our marker is signalled, and then its whole group (SIGTERM, SIGKILL after 1 s).
    const { script, stdin } = stopCommand(proc.pid, proc.marker, 1_000);
    await this.#client.run(`killing runner pid ${proc.pid}`, script, { stdin, retry: true });
  }

  async memoryRowCounts(dbPath: string): Promise<Record<string, number>> {
    const root = await this.resolvePath(this.#workdir);
    const out = await this.#client.run(
      `counting the rows of ${dbPath}`,
      `${shellQuote(posix.join(root, "bin/node"))} ${shellQuote(posix.join(root, RUNNER_ENTRY))} memory counts --db ${shellQuote(dbPath)}`,
      { retry: true },
    );
    return JSON.parse(out.toString("utf8")) as Record<string, number>;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}


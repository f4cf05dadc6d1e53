/**
 * The `local` stack's transport: the runner host is this machine and the runner a detached child process, the
 * leader of its own process group (so a kill reaches the load generators it started, too).
 */
import { spawn } from "node:child_process";
import { copyFile, lstat, mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { homedir } from "node:os";
import { realpathOfLongestExisting } from "@peva-lab/core";
import { tableRowCounts } from "@peva-lab/peva-faas/runner";
import { childEnvironment, isOurs } from "../process-control.ts";
import { READ_CHUNK_BYTES, type RemoteFile, type RunnerProcess, type RunnerTransport } from "./runner-transport.ts";

/** The controller itself as runner host. */
export class LocalTransport implements RunnerTransport {
  readonly host: string;
  readonly #projectDir: string;

  /** @param projectDir the peva-lab checkout (where `plugins/peva-faas` lives) */
  constructor(host: string, projectDir: string) {
    this.host = host;
    this.#projectDir = resolve(projectDir);
  }

  async resolvePath(path: string): Promise<string> {
    return resolve(this.#projectDir, path);
  }

  async homeDir(): Promise<string> {
    return homedir();
  }

  async realPaths(paths: readonly string[]): Promise<string[]> {
    return paths.map(realpathOfLongestExisting);
  }

  async writeFile(path: string, content: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, content, { mode: 0o600 });
    await rename(tmp, path);
  }

  async fetchFile(remotePath: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    await copyFile(remotePath, localPath);
  }

  async fetchTree(remoteDir: string, localDir: string): Promise<void> {
    await mkdir(localDir, { recursive: true });
    for (const entry of await readdir(remoteDir, { withFileTypes: true })) {
      const src = join(remoteDir, entry.name);
      const dst = join(localDir, entry.name);
      if (entry.isDirectory()) await this.fetchTree(src, dst);
      else if (entry.isFile()) await copyFile(src, dst);
    }
  }

  async readFrom(path: string, offset: number, maxBytes = READ_CHUNK_BYTES): Promise<Buffer> {
    let handle;
    try {
      handle = await open(path, "r");
    } catch {
      return Buffer.alloc(0);
    }
    try {
      const { size } = await handle.stat();
      if (size <= offset) return Buffer.alloc(0);
      const buf = Buffer.alloc(Math.min(size - offset, maxBytes));
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async readTail(path: string, maxBytes: number): Promise<Buffer> {
    const size = await stat(path).then(
      (st) => st.size,
      () => -1,
    );
    if (size < 0) return Buffer.alloc(0);
    return this.readFrom(path, Math.max(0, size - maxBytes), maxBytes);
  }

  async listTree(dir: string): Promise<RemoteFile[]> {
    const files: RemoteFile[] = [];
    const walk = async (d: string, prefix: string): Promise<void> => {
      for (const entry of await readdir(d, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(d, entry.name), `${prefix}${entry.name}/`);
        else if (entry.isFile()) files.push({ path: `${prefix}${entry.name}`, size: (await stat(join(d, entry.name))).size });
      }
    };
    await walk(dir, "");
    return files.sort((a, b) => a.path.localeCompare(b.path));
  }

  async exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    );
  }

  async touch(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, "");
  }

  async remove(path: string): Promise<void> {
    // Never through a final symlink: a link is removed itself, not what it points to (resolve drops a trailing slash,
    // which would make the system follow it). Below it, fs.rm walks with lstat and unlinks the links it meets.
    const target = resolve(path);
    const entry = await lstat(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT" || e.code === "ENOTDIR") return undefined;
      throw e;
    });
    if (entry === undefined) return;
    if (entry.isSymbolicLink()) await unlink(target);
    else await rm(target, { recursive: true, force: true });
  }

  async startRunner(opts: { specPath: string; logPath: string; pidFile: string; workdir: string }): Promise<RunnerProcess> {
    await mkdir(dirname(opts.logPath), { recursive: true });
    const log = await open(opts.logPath, "a");
    try {
      const child = spawn(process.execPath, [resolve(this.#projectDir, "plugins/peva-faas/bin/peva-faas.ts"), "run", "--spec", opts.specPath], {
        cwd: opts.workdir,
        detached: true, // own process group, survives the provider process: a Ctrl+C to pulumi becomes a STOP, not a kill
        stdio: ["ignore", log.fd, log.fd],
        env: childEnvironment(),
      });
      const pid = await new Promise<number>((ok, fail) => {
        child.once("error", (e) => fail(new Error(`cannot start the runner: ${e.message}`)));
        child.once("spawn", () => ok(child.pid!));
      });
      child.unref();
      await writeFile(opts.pidFile, `${pid} ${opts.specPath}\n`, { mode: 0o600 });
      return { pid, marker: opts.specPath };
    } finally {
      await log.close();
    }
  }

  async isRunning(proc: RunnerProcess): Promise<boolean> {
    return isOurs(proc.pid, proc.marker);
  }

  async kill(proc: RunnerProcess): Promise<void> {
    if (!(await this.isRunning(proc))) return;
    try {
      process.kill(-proc.pid, "SIGKILL"); // the group: the runner and the generators it started
      return;
    } catch {
      // not a group leader after all, or already gone: the pid alone
    }
    try {
      process.kill(proc.pid, "SIGKILL");
    } catch (e) {
      // ESRCH: it exited between the check and the kill, which is what we wanted.
      if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
    }
  }

  async memoryRowCounts(dbPath: string): Promise<Record<string, number>> {
    return tableRowCounts(dbPath);
  }

  async close(): Promise<void> {}
}

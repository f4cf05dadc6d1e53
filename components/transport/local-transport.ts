/**
 * The `local` stack's transport: the runner host is this machine and the runner a detached child process.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { isOurs } from "../process-control.ts";
import type { RunnerProcess, RunnerTransport } from "./runner-transport.ts";

/** Marker on the runner's command line, checked before signalling a pid. */
const RUNNER_MARKER = "peva-faas/bin/peva-faas.ts";

/** The controller itself as runner host. */
export class LocalTransport implements RunnerTransport {
  readonly host: string;
  readonly #projectDir: string;

  /** @param projectDir the peva-lab checkout (where `plugins/peva-faas` lives) */
  constructor(host: string, projectDir: string) {
    this.host = host;
    this.#projectDir = resolve(projectDir);
  }

  async writeFile(path: string, content: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, content);
    await rename(tmp, path);
  }

  async fetchFile(remotePath: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    await copyFile(remotePath, localPath);
  }

  async readFrom(path: string, offset: number): Promise<Buffer> {
    let handle;
    try {
      handle = await open(path, "r");
    } catch {
      return Buffer.alloc(0);
    }
    try {
      const { size } = await handle.stat();
      if (size <= offset) return Buffer.alloc(0);
      const buf = Buffer.alloc(size - offset);
      await handle.read(buf, 0, buf.length, offset);
      return buf;
    } finally {
      await handle.close();
    }
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
    await rm(path, { recursive: true, force: true });
  }

  async startRunner(opts: { specPath: string; logPath: string; workdir: string }): Promise<RunnerProcess> {
    await mkdir(dirname(opts.logPath), { recursive: true });
    const log = await open(opts.logPath, "a");
    try {
      const child = spawn(process.execPath, [resolve(this.#projectDir, "plugins/peva-faas/bin/peva-faas.ts"), "run", "--spec", opts.specPath], {
        cwd: opts.workdir,
        detached: true, // survives the provider process: a Ctrl+C to pulumi becomes a STOP, not a kill
        stdio: ["ignore", log.fd, log.fd],
      });
      const pid = await new Promise<number>((ok, fail) => {
        child.once("error", (e) => fail(new Error(`cannot start the runner: ${e.message}`)));
        child.once("spawn", () => ok(child.pid!));
      });
      child.unref();
      return { pid };
    } finally {
      await log.close();
    }
  }

  async isRunning(proc: RunnerProcess): Promise<boolean> {
    return isOurs(proc.pid, RUNNER_MARKER);
  }

  async kill(proc: RunnerProcess): Promise<void> {
    if (await this.isRunning(proc)) process.kill(proc.pid, "SIGKILL");
  }
}

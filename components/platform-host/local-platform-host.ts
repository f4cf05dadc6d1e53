/**
 * The embedded platform on this machine (the `local` stack): loopback, state under the project, the Node.js of the
 * provider process, and the process control of `../process-control.ts`.
 */
import { availableParallelism } from "node:os";
import { mkdir, open, rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { GATEWAY_MAIN, LOOPBACK, type PlatformLayout } from "../../plan/local-platform.ts";
import { freePort, isOurs, removePath, startDetached, stopProcess } from "../process-control.ts";
import type { PlatformHost, StartedProcess, StopOutcome } from "./platform-host.ts";

/** This machine as the platform host. */
export class LocalPlatformHost implements PlatformHost {
  readonly name = "this machine";
  readonly #stateDir: string;

  /** @param stateDir the state directory, relative to the project (the provider's working directory) */
  constructor(stateDir: string) {
    this.#stateDir = stateDir;
  }

  async layout(): Promise<PlatformLayout> {
    return { address: LOOPBACK, stateDir: resolve(this.#stateDir), nodePath: process.execPath, gatewayMain: resolve(GATEWAY_MAIN) };
  }

  async makeDirectory(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async writeFile(path: string, content: string, opts: { readonly private?: boolean } = {}): Promise<void> {
    const tmp = `${path}.tmp`;
    await writeFile(tmp, content, opts.private ? { mode: 0o600 } : {});
    await rename(tmp, path);
  }

  async removePath(path: string): Promise<void> {
    await removePath(path);
  }

  async tail(path: string, maxBytes: number): Promise<string> {
    let file;
    try {
      file = await open(path, "r");
    } catch {
      return "";
    }
    try {
      const { size } = await file.stat();
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      return buffer.toString("utf8");
    } finally {
      await file.close();
    }
  }

  async freePorts(count: number): Promise<number[]> {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    return ports;
  }

  async startDetached(opts: { command: string; args: readonly string[]; logFile: string; pidFile: string; marker: string }): Promise<StartedProcess> {
    return startDetached(opts);
  }

  async isOurs(proc: StartedProcess): Promise<boolean> {
    return isOurs(proc.pid, proc.marker);
  }

  async stop(proc: StartedProcess, graceMs: number): Promise<StopOutcome> {
    return stopProcess(proc, graceMs);
  }

  async cores(): Promise<number> {
    return availableParallelism();
  }

  async close(): Promise<void> {}
}

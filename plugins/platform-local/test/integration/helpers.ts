/**
 * Helpers of the platform-local integration tests: bounded HTTP calls, /metrics parsing, bounded polling, and
 * process bookkeeping through /proc (so every test can prove it left no process behind).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basicAuthHeader } from "../../src/auth.ts";
import { readParent } from "../../src/proc.ts";

/** Absolute path of the gateway CLI. */
export const GATEWAY_MAIN = new URL("../../src/gateway-main.ts", import.meta.url).pathname;

/** A response read completely. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** One HTTP request with a hard time limit (no test waits forever on a wedged server). */
export async function request(url: string, init: RequestInit & { timeoutMs?: number; password?: string } = {}): Promise<Reply> {
  const { timeoutMs = 30_000, password, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (password !== undefined) headers.set("Authorization", basicAuthHeader("admin", password));
  const res = await fetch(url, { ...rest, headers, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** POSTs `body` to `/function/<name>`. */
export function invoke(base: string, name: string, body: string | Uint8Array, timeoutMs = 30_000): Promise<Reply> {
  return request(`${base}/function/${name}`, { method: "POST", body, timeoutMs });
}

/** `/metrics` as a map from `name{labels}` to value. */
export async function scrape(base: string): Promise<Map<string, number>> {
  const { text } = await request(`${base}/metrics`, { timeoutMs: 10_000 });
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1).replace("+Inf", "Infinity")));
  }
  return out;
}

/** A metric value, 0 when the series does not exist yet. */
export function metric(m: Map<string, number>, series: string): number {
  return m.get(series) ?? 0;
}

/** Polls `probe` every `intervalMs` until it returns a defined value or `timeoutMs` passes (then throws `what`). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True while `pid` exists and is not a zombie (a reaped-later zombie is dead for our purpose). */
export function alive(pid: number): boolean {
  const p = readParent(pid);
  return p !== undefined && p.state !== "Z";
}

/** Live children of `pid`, found by scanning /proc (independent of the gateway's own bookkeeping). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const p = readParent(Number(entry));
    if (p && p.ppid === pid && p.state !== "Z") out.push(Number(entry));
  }
  return out;
}

export { freePort } from "../../../../components/process-control.ts";

/** A started CLI gateway. */
export interface CliGateway {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  readonly stderr: () => string;
  /** Resolves with the exit code/signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `peva-local-gateway` with `args` and waits (bounded) for its ready file. */
export async function startCli(args: readonly string[], readyFile: string): Promise<CliGateway> {
  const child = spawn(process.execPath, [GATEWAY_MAIN, ...args, "--ready-file", readyFile], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const info = await waitFor(
    "the ready file",
    () => {
      if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}: ${stderr}`);
      if (!existsSync(readyFile)) return undefined;
      return JSON.parse(readFileSync(readyFile, "utf8")) as { pid: number; port: number; url: string };
    },
    30_000,
  );
  return { child, pid: info.pid, url: info.url, port: info.port, stderr: () => stderr, exited };
}

/**
 * CLI gateways of one test file: a temp dir with a password file, `start` (ready file in the dir) and `stopAll`
 * for `afterEach`, which ends what a test left running with `signal`, workers included, and `remove` for
 * `afterAll`.
 */
export function cliGateways(prefix: string, password: string, signal: NodeJS.Signals) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const passwordFile = join(dir, "password");
  writeFileSync(passwordFile, `${password}\n`);
  const started: CliGateway[] = [];
  return {
    dir,
    passwordFile,
    async start(name: string, extra: readonly string[] = []): Promise<CliGateway> {
      const g = await startCli(["--host", "127.0.0.1", "--port", "0", "--password-file", passwordFile, ...extra], join(dir, `${name}.json`));
      started.push(g);
      return g;
    },
    async stopAll(): Promise<void> {
      for (const g of started.splice(0)) {
        const workers = childrenOf(g.pid);
        if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill(signal);
        await g.exited;
        for (const pid of workers) if (alive(pid)) process.kill(pid, "SIGKILL");
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

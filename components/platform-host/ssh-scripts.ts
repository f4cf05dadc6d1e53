/**
 * Pure parts of supervising the platform on a host over SSH: the POSIX `sh` scripts and what they read on stdin,
 * and the parsers of their replies. No I/O.
 *
 * User text (paths derived from the workdir, markers, the listen address) travels on stdin, never inside a
 * script: the scripts are constants apart from integers we produced ourselves (a pid, a count, a tick count) and
 * the host's Node path, shell-quoted.
 * The scripts run under the host's `/bin/sh`, which may be dash: no `kill --`, no arrays, no `read -d`.
 */
import { shellQuote } from "../../plan/commands.ts";
import { UnsafeMarkerError } from "./errors.ts";

/** One remote command: the script, and what it reads on stdin. */
export interface RemoteCommand {
  readonly script: string;
  readonly stdin: string;
}

/** Polling step of the stop script while a process winds down. */
const STOP_TICK_MS = 100;
/** How long the stop script waits for a SIGKILLed process to disappear (5 s, as the local stop does). */
const KILL_WAIT_TICKS = 50;

/**
 * The detached start. The argument list arrives NUL-separated on stdin (`xargs -0` hands it to the script as
 * `$@`: log file, pid file, directory to put first on PATH, then the command line), so any byte but NUL may appear
 * in it. `setsid` gives the process its own session and process group: a background job of a non-interactive
 * shell is not a group leader, so `setsid` execs in place and `$!` is the process itself, the leader of the group
 * that stop signals. stdin from /dev/null and output into the log: nothing ties it to the SSH session.
 */
const START_SCRIPT = [
  "set -eu",
  'log=$1; pid_file=$2; PATH=$3:$PATH; export PATH; shift 3',
  // A missing tool fails here, naming itself, instead of as a readiness timeout later.
  'command -v -- "$1" >/dev/null 2>&1 || { printf "%s: not found on PATH (%s)\\n" "$1" "$PATH" >&2; exit 3; }',
  'setsid "$@" >> "$log" 2>&1 < /dev/null &',
  "pid=$!",
  'printf "%s\\n" "$pid" > "$pid_file"',
  'printf "%s\\n" "$pid"',
].join("\n");

/** Starts `command args` detached on the host, PATH led by `binDir`; prints the pid. */
export function startCommand(opts: { binDir: string; logFile: string; pidFile: string; command: string; args: readonly string[] }): RemoteCommand {
  const fields = [opts.logFile, opts.pidFile, opts.binDir, opts.command, ...opts.args];
  if (fields.some((f) => f.includes("\0"))) throw new Error("internal: a NUL byte in a command line to start");
  return { script: `exec xargs -0 sh -c ${shellQuote(START_SCRIPT)} sh`, stdin: `${fields.join("\0")}\0` };
}

/** Shell function `ours`: true while `$pid` is alive and its command line (NULs as spaces) holds `$marker`. */
const OURS_FUNCTION =
  'ours() { [ -r "/proc/$pid/cmdline" ] && tr \'\\0\' \' \' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; }';

function checkedPid(pid: number): number {
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`internal: not a process id: ${pid}`);
  return pid;
}

/** The marker as stdin of a check: one non-empty line, or refused (see {@link UnsafeMarkerError}). */
function markerInput(marker: string): string {
  if (marker === "" || /[\n\r\0]/.test(marker)) throw new UnsafeMarkerError(marker);
  return marker;
}

/** Prints `ours` when `pid` is alive and still carries `marker`, `gone` otherwise. */
export function ownedCommand(pid: number, marker: string): RemoteCommand {
  const script = [`pid=${checkedPid(pid)}`, "marker=$(cat)", OURS_FUNCTION, "if ours; then echo ours; else echo gone; fi"].join("\n");
  return { script, stdin: markerInput(marker) };
}

/**
 * Stops `pid` and its process group: only after checking that the pid still carries `marker` (never a recycled
 * pid), SIGTERM, then SIGKILL after `graceMs`. Prints `not-running`, `terminated` or `killed`. A process that is
 * not a group leader (it should always be one) is signalled alone.
 */
export function stopCommand(pid: number, marker: string, graceMs: number): RemoteCommand {
  const p = checkedPid(pid);
  const graceTicks = Math.max(1, Math.ceil(graceMs / STOP_TICK_MS));
  const tick = `sleep ${STOP_TICK_MS / 1000}`;
  const script = [
    `pid=${p}`,
    "marker=$(cat)",
    OURS_FUNCTION,
    "ours || { echo not-running; exit 0; }",
    'kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true',
    "ticks=0",
    `while [ "$ticks" -lt ${graceTicks} ]; do`,
    "  ours || { echo terminated; exit 0; }",
    `  ${tick}`,
    "  ticks=$((ticks + 1))",
    "done",
    'if ours; then kill -KILL "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi',
    "ticks=0",
    `while [ "$ticks" -lt ${KILL_WAIT_TICKS} ] && ours; do ${tick}; ticks=$((ticks + 1)); done`,
    "echo killed",
  ].join("\n");
  return { script, stdin: markerInput(marker) };
}

/**
 * Node.js code (CommonJS, for `node -e`) that binds `count` ports chosen by the OS on the address read from stdin,
 * all at once so they differ, prints them space-separated and releases them.
 */
function freePortsCode(count: number): string {
  return [
    'const net = require("node:net");',
    'const address = require("node:fs").readFileSync(0, "utf8");',
    "(async () => {",
    "  const servers = [];",
    "  try {",
    `    for (let i = 0; i < ${count}; i++) {`,
    "      const server = net.createServer();",
    '      await new Promise((ok, fail) => { server.once("error", fail); server.listen(0, address, ok); });',
    "      servers.push(server);",
    "    }",
    '    process.stdout.write(servers.map((s) => s.address().port).join(" ") + "\\n");',
    "  } finally {",
    "    for (const s of servers) s.close();",
    "  }",
    "})().catch((e) => {",
    '  process.stderr.write("cannot listen on " + address + ": " + e.message + "\\n");',
    "  process.exitCode = 1;",
    "});",
  ].join("\n");
}

/** Picks `count` free TCP ports on `address` of the host with the host's Node.js at `nodePath`. */
export function freePortsCommand(nodePath: string, address: string, count: number): RemoteCommand {
  if (!Number.isInteger(count) || count < 1) throw new Error(`internal: cannot pick ${count} ports`);
  return { script: `exec ${shellQuote(nodePath)} -e ${shellQuote(freePortsCode(count))}`, stdin: address };
}

/** The ports a {@link freePortsCommand} printed, or undefined unless it printed exactly `count` distinct ports. */
export function parsePorts(reply: string, count: number): number[] | undefined {
  const words = reply.trim().split(/\s+/).filter(Boolean);
  const ports = words.map(Number);
  const valid = ports.length === count && ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536) && new Set(ports).size === count;
  return valid ? ports : undefined;
}

/** A positive integer printed alone on its line (a pid, `nproc`), or undefined. */
export function parsePositiveInteger(reply: string): number | undefined {
  const text = reply.trim();
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

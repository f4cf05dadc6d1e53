/**
 * Errors of the embedded platform's supervision, one class per failure, each with an exact message shape.
 */

/**
 * A platform process ended before it became ready (a bad flag, a busy port, a missing dependency).
 * Message: `<process> on <host> exited while starting; the end of its log <logFile>:\n<log tail>`.
 */
export class PlatformProcessExitedError extends Error {
  readonly process: string;
  readonly host: string;
  readonly logFile: string;
  constructor(process: string, host: string, logFile: string, logTail: string) {
    super(`${process} on ${host} exited while starting; the end of its log ${logFile}:\n${logTail.trim() || "(empty)"}`);
    this.name = "PlatformProcessExitedError";
    this.process = process;
    this.host = host;
    this.logFile = logFile;
  }
}

/**
 * A platform process runs but did not pass its readiness check in time.
 * Message: `<what> on <host> was not ready within <s> s[ (last error: <error>)]; the end of its log <logFile>:\n<log tail>`.
 */
export class PlatformNotReadyError extends Error {
  readonly what: string;
  readonly host: string;
  readonly logFile: string;
  constructor(what: string, host: string, timeoutMs: number, lastError: string, logFile: string, logTail: string) {
    super(
      `${what} on ${host} was not ready within ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last error: ${lastError})` : ""}; ` +
        `the end of its log ${logFile}:\n${logTail.trim() || "(empty)"}`,
    );
    this.name = "PlatformNotReadyError";
    this.what = what;
    this.host = host;
    this.logFile = logFile;
  }
}

/**
 * A command on the platform host succeeded but printed something other than what it must print.
 * Message: `<what> on <host> printed '<reply, first 200 characters>', expected <expected>`.
 */
export class PlatformHostReplyError extends Error {
  readonly host: string;
  constructor(host: string, what: string, reply: string, expected: string) {
    super(`${what} on ${host} printed '${reply.trim().slice(0, 200)}', expected ${expected}`);
    this.name = "PlatformHostReplyError";
    this.host = host;
  }
}

/**
 * A process marker that the remote ownership check cannot match exactly (a line break would make `grep -F` accept
 * any one of its lines, and an empty one matches everything, so a recycled pid could pass for ours).
 * Message: `refusing to supervise a process by the marker <JSON of marker>: it must be one non-empty line`.
 */
export class UnsafeMarkerError extends Error {
  readonly marker: string;
  constructor(marker: string) {
    super(`refusing to supervise a process by the marker ${JSON.stringify(marker)}: it must be one non-empty line`);
    this.name = "UnsafeMarkerError";
    this.marker = marker;
  }
}

/**
 * The node declares more CPUs than its host has: a quota above the host's cores enforces nothing.
 * Message: `peva-lab:platform.cpus: the node declares <n> CPU(s) but <host> has <m> core(s); lower platform.cpus`.
 */
export class NodeLargerThanHostError extends Error {
  readonly cpus: number;
  readonly hostCores: number;
  constructor(cpus: number, hostCores: number, host: string) {
    super(`peva-lab:platform.cpus: the node declares ${cpus} CPU(s) but ${host} has ${hostCores} core(s); lower platform.cpus`);
    this.name = "NodeLargerThanHostError";
    this.cpus = cpus;
    this.hostCores = hostCores;
  }
}

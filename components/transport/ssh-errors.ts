/**
 * Errors of the SSH transport, one class per failure, each with an exact message shape.
 */

/**
 * The host could not be reached, or the connection could not be re-established.
 * Message: `cannot reach <host> over SSH after <n> attempt(s): <ssh's reason>`.
 */
export class SshUnreachableError extends Error {
  readonly host: string;
  readonly attempts: number;
  constructor(host: string, attempts: number, reason: string) {
    super(`cannot reach ${host} over SSH after ${attempts} attempt(s): ${reason || "connection lost"}`);
    this.name = "SshUnreachableError";
    this.host = host;
    this.attempts = attempts;
  }
}

/**
 * A remote command ran and failed.
 * Message: `<what> on <host> failed (exit <code>): <stderr, last 2000 characters>`.
 */
export class SshCommandError extends Error {
  readonly host: string;
  readonly exitCode: number;
  constructor(host: string, what: string, exitCode: number, stderr: string) {
    super(`${what} on ${host} failed (exit ${exitCode})${stderr.trim() ? `: ${stderr.trim().slice(-2000)}` : ""}`);
    this.name = "SshCommandError";
    this.host = host;
    this.exitCode = exitCode;
  }
}

/**
 * A remote command ran longer than its bound and was cut off.
 * Message: `a remote command did not finish within <s> s and was cut off`.
 */
export class SshTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`a remote command did not finish within ${Math.round(timeoutMs / 1000)} s and was cut off`);
    this.name = "SshTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

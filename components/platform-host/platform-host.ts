/**
 * The host the embedded platform runs on, as the `LocalPlatform` provider needs it: files, free ports, detached
 * processes supervised by pid and command-line marker, and the host's core count. Two implementations: this
 * machine ({@link ./local-platform-host.ts}) and a host reached over SSH ({@link ./ssh-platform-host.ts}). The
 * provider orchestrates against this interface only, so both hosts start, check and stop the platform the same
 * way.
 */
import type { PlatformLayout } from "../../plan/local-platform.ts";
import type { StartedProcess } from "../process-control.ts";

export type { StartedProcess };

/** How a stop ended: nothing of ours was running, it ended on SIGTERM, or it needed SIGKILL. */
export type StopOutcome = "not-running" | "terminated" | "killed";

/** What a host offers the platform provider. Every path is absolute on that host. */
export interface PlatformHost {
  /** The host in messages: `this machine`, or `user@host:port`. */
  readonly name: string;
  /** Listen address and absolute paths of the platform on this host. */
  layout(): Promise<PlatformLayout>;
  /** Creates a directory and its parents. */
  makeDirectory(path: string): Promise<void>;
  /** Writes a file atomically (temporary file, then rename); `private` makes it readable by its owner only. */
  writeFile(path: string, content: string, opts?: { readonly private?: boolean }): Promise<void>;
  /** Removes a file or a directory tree; an absent path is fine. */
  removePath(path: string): Promise<void>;
  /** The last `maxBytes` of a file (a process log), or "" when it does not exist. */
  tail(path: string, maxBytes: number): Promise<string>;
  /** `count` TCP ports that were free on the layout's address a moment ago. */
  freePorts(count: number): Promise<number[]>;
  /**
   * Starts `command args` detached from the caller (its own session and process group, stdin from /dev/null,
   * output appended to `logFile`) and records its pid in `pidFile`.
   */
  startDetached(opts: { command: string; args: readonly string[]; logFile: string; pidFile: string; marker: string }): Promise<StartedProcess>;
  /** True while `proc.pid` is alive and its command line holds `proc.marker`. */
  isOurs(proc: StartedProcess): Promise<boolean>;
  /**
   * Stops a process we started: SIGTERM, then SIGKILL after `graceMs`. A pid whose command line no longer holds the
   * marker (exited, or recycled by another program) is left alone.
   */
  stop(proc: StartedProcess, graceMs: number): Promise<StopOutcome>;
  /** Processors available on the host (`nproc`): the most CPUs the platform's node may declare there. */
  cores(): Promise<number>;
  /** Releases the connection, if any. Idempotent. */
  close(): Promise<void>;
}

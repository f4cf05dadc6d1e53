/**
 * How the controller reaches the runner host: one interface, two implementations (a child process here on the
 * `local` stack, SSH elsewhere). `BenchmarkRun` only talks to this interface.
 */

/** A runner process started on the runner host. */
export interface RunnerProcess {
  readonly pid: number;
}

/** Operations the controller needs on the runner host. Paths are absolute on the runner host. */
export interface RunnerTransport {
  /** Inventory name of the runner host (used in output paths). */
  readonly host: string;
  /** Writes a file on the runner host (atomically: temp + rename). */
  writeFile(path: string, content: string): Promise<void>;
  /** Copies a runner-host file to a controller path. */
  fetchFile(remotePath: string, localPath: string): Promise<void>;
  /** Bytes of a file from `offset` on; empty when the file does not exist yet. */
  readFrom(path: string, offset: number): Promise<Buffer>;
  /** Whether a path exists. */
  exists(path: string): Promise<boolean>;
  /** Creates an empty file (the STOP file). */
  touch(path: string): Promise<void>;
  /** Removes a file or directory tree; absent is fine. */
  remove(path: string): Promise<void>;
  /** Starts `peva-faas run --spec <specPath>` detached, its output appended to `logPath`. */
  startRunner(opts: { specPath: string; logPath: string; workdir: string }): Promise<RunnerProcess>;
  /** True while the runner process is alive. */
  isRunning(proc: RunnerProcess): Promise<boolean>;
  /** Kills the runner (SIGKILL): the last resort when a stop is not honoured in time. */
  kill(proc: RunnerProcess): Promise<void>;
}

/**
 * How the controller reaches the runner host: one interface, two implementations (a child process here on the
 * `local` stack, SSH elsewhere). `BenchmarkRun` only talks to this interface, and
 * `test/integration/runner-transport.test.ts` runs the same contract against both implementations.
 */

/** A regular file of a tree on the runner host: its path relative to the tree, and its size in bytes. */
export interface RemoteFile {
  readonly path: string;
  readonly size: number;
}

/** A runner process started on the runner host: the leader of its own process group. */
export interface RunnerProcess {
  readonly pid: number;
  /** Text on the runner's command line (its spec path): a pid only counts as ours while it carries this. */
  readonly marker: string;
}

/** Operations the controller needs on the runner host. Paths are absolute on the runner host. */
export interface RunnerTransport {
  /** Inventory name of the runner host (used in output paths). */
  readonly host: string;
  /** An absolute path on the host: `path` itself when absolute, else relative to the project (local) or home (SSH). */
  resolvePath(path: string): Promise<string>;
  /** The login user's home directory on the runner host. */
  homeDir(): Promise<string>;
  /**
   * Real paths on the runner host, in order: each absolute path with its longest existing ancestor resolved
   * (symlinks followed) and the rest appended, as the cleanup path guard needs them.
   */
  realPaths(paths: readonly string[]): Promise<string[]>;
  /** Writes a file on the runner host, 0600, atomically (temp + rename). */
  writeFile(path: string, content: string): Promise<void>;
  /** Copies a runner-host file to a controller path. */
  fetchFile(remotePath: string, localPath: string): Promise<void>;
  /** Copies a runner-host directory tree (regular files and directories) into a controller directory. */
  fetchTree(remoteDir: string, localDir: string): Promise<void>;
  /** Bytes of a file from `offset` on (at most `maxBytes`); empty when the file does not exist yet. */
  readFrom(path: string, offset: number, maxBytes?: number): Promise<Buffer>;
  /** The last `maxBytes` bytes of a file (fewer when it is shorter); empty when it does not exist. */
  readTail(path: string, maxBytes: number): Promise<Buffer>;
  /** Every regular file under `dir`, with its size, sorted by path. */
  listTree(dir: string): Promise<RemoteFile[]>;
  /** Whether a path exists. */
  exists(path: string): Promise<boolean>;
  /** Creates an empty file (the STOP file). */
  touch(path: string): Promise<void>;
  /** Removes a file or directory tree; absent is fine. */
  remove(path: string): Promise<void>;
  /**
   * Starts `peva-faas run --spec <specPath>` detached, in its own process group, its output appended to `logPath`
   * and `<pid> <specPath>` written to `pidFile` on the host.
   */
  startRunner(opts: { specPath: string; logPath: string; pidFile: string; workdir: string }): Promise<RunnerProcess>;
  /** True while the runner process is alive (and still ours). */
  isRunning(proc: RunnerProcess): Promise<boolean>;
  /** Kills the runner's whole process group (SIGKILL): the last resort when a stop is not honoured in time. */
  kill(proc: RunnerProcess): Promise<void>;
  /** Row counts per table of a DuckDB file on the runner host (the original a retrieved copy is checked against). */
  memoryRowCounts(dbPath: string): Promise<Record<string, number>>;
  /** Releases connections and temporary files. */
  close(): Promise<void>;
}

/** Default chunk of the event stream read at once. */
export const READ_CHUNK_BYTES = 1 << 20;

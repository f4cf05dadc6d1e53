/**
 * File operations on a host over an {@link SshClient}, shared by the runner transport and the remote platform
 * host. Paths travel on stdin (NUL-terminated, handed over by `xargs -0`) or shell-quoted, never as bare words;
 * every operation is idempotent, so it is retried across a dropped connection.
 */
import { posix } from "node:path";
import { quoteText } from "@peva-lab/core";
import { shellQuote } from "../../plan/commands.ts";
import type { SshClient } from "./ssh-client.ts";

/** The files of the login user on one host. */
export class SshFiles {
  readonly #client: SshClient;
  readonly #host: string;
  #home: Promise<string> | undefined;

  /** @param host the name used in messages */
  constructor(client: SshClient, host: string) {
    this.#client = client;
    this.#host = host;
  }

  /** The login user's home, asked once (a failed look-up is asked again next time). */
  homeDir(): Promise<string> {
    this.#home ??= this.#client.run("reading $HOME", 'printf "%s" "$HOME"', { retry: true }).then(
      (out) => {
        const home = out.toString("utf8");
        // Everything else is resolved against it: a relative or empty home would land paths somewhere unintended.
        if (!home.startsWith("/")) throw new Error(`the login user's $HOME on ${this.#host} is not an absolute path: '${home}'`);
        return posix.normalize(home);
      },
      (e: unknown) => {
        this.#home = undefined;
        throw e;
      },
    );
    return this.#home;
  }

  /** Writes a file, 0600, atomically (temp + rename), creating its directory. */
  async writeFile(path: string, content: string): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}`;
    await this.#client.run(
      `writing ${path}`,
      `umask 077 && mkdir -p -- ${shellQuote(posix.dirname(path))} && cat > ${shellQuote(tmp)} && mv -f -- ${shellQuote(tmp)} ${shellQuote(path)}`,
      { stdin: content, retry: true },
    );
  }

  /** Removes a file or directory tree; absent is fine. A symlink is removed itself, never what it points to. */
  async remove(path: string): Promise<void> {
    // rm -r removes the symlinks it meets in the tree without following them, and a symlink operand itself (POSIX rm;
    // checked with GNU coreutils 9.1). A trailing slash would make it follow that operand, so none is passed.
    const target = path.replace(/\/+$/, "") || "/";
    await this.#client.run(`removing ${quoteText(target)}`, "exec xargs -0 rm -rf --", { stdin: `${target}\0`, retry: true });
  }

  /** The last `maxBytes` bytes of a file (fewer when it is shorter); empty when it does not exist. */
  async readTail(path: string, maxBytes: number): Promise<Buffer> {
    const bytes = Math.max(1, Math.floor(maxBytes));
    const r = await this.#client.exec(`exec xargs -0 sh -c ${shellQuote(`[ -f "$1" ] || exit 0; tail -c ${bytes} -- "$1"`)} sh`, {
      stdin: `${path}\0`,
      retry: true,
    });
    return r.stdout;
  }
}

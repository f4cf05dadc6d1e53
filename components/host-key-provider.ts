/**
 * Implementation of the `HostKeyPin` dynamic provider. `ssh-keyscan` runs once, at create, and only when the
 * config pins no key: a first-use key is not verified against anything (that is what "first use" means); every
 * connection after it is.
 */
import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { keysFromKeyscan, knownHostsLines } from "./transport/ssh-options.ts";

/** Provider inputs. */
export interface HostKeyInputs {
  readonly address: string;
  readonly port: number;
  readonly pinned: readonly string[];
  /** A VM's resource id or a host's address: another host behind the same address is pinned again. */
  readonly identity: string;
}

/** Provider outputs. */
export interface HostKeyOutputs extends HostKeyInputs {
  readonly knownHosts: string;
  readonly keys: string[];
  readonly source: "config" | "first-use";
}

/** A freshly booted VM may take a while to start sshd. */
const SCAN_DEADLINE_MS = 120_000;

/** Create: the configured keys, or the host's keys as scanned now. */
export async function create(inputs: HostKeyInputs): Promise<{ id: string; outs: HostKeyOutputs }> {
  const fromConfig = inputs.pinned.map((k) => k.trim().split(/\s+/).slice(0, 2).join(" ")).sort();
  const keys = fromConfig.length > 0 ? fromConfig : await scan(inputs.address, inputs.port);
  const outs: HostKeyOutputs = {
    ...inputs,
    keys,
    knownHosts: knownHostsLines(inputs.address, inputs.port, keys),
    source: fromConfig.length > 0 ? "config" : "first-use",
  };
  return { id: `${inputs.address}:${inputs.port}`, outs };
}

/** Diff: another host (identity), address, port or pinned set is another pin (replace); nothing else changes it. */
export function diff(olds: HostKeyOutputs, news: HostKeyInputs) {
  const replaces = (["address", "port", "pinned", "identity"] as const).filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
}

async function scan(address: string, port: number): Promise<string[]> {
  const deadline = Date.now() + SCAN_DEADLINE_MS;
  let last = "";
  for (;;) {
    try {
      const out = await new Promise<string>((ok, fail) =>
        execFile(
          "ssh-keyscan",
          ["-T", "10", "-p", String(port), "-t", "ed25519,ecdsa,rsa", address],
          { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" }, timeout: 30_000 },
          (error, stdout, stderr) => (error && !stdout ? fail(new Error(stderr.trim() || error.message)) : ok(stdout)),
        ),
      );
      const keys = keysFromKeyscan(out);
      if (keys.length > 0) return keys;
      last = "no key offered";
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) {
      throw new Error(`cannot record the SSH host key of ${address}:${port} (ssh-keyscan: ${last}); pin it in the stack config (hostKeys) or check that sshd runs`);
    }
    await sleep(2_000);
  }
}

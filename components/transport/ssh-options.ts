/**
 * Pure parts of the SSH transport: the OpenSSH options every connection uses, known_hosts lines for pinned keys,
 * and the reconnect schedule. No I/O.
 */

/** Where an SSH connection goes. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

/** An SSH target with the host keys pinned for it (known_hosts lines): how every peva-lab connection is given. */
export interface PinnedSshTarget extends SshTarget {
  readonly knownHosts: string;
}

/**
 * OpenSSH options for a pinned, non-interactive connection: only our key (no agent, no user config), host keys
 * checked strictly against our known_hosts only, keep-alives so a cut link is noticed within ~15 s.
 */
export function sshCommonOptions(target: SshTarget, files: { identityFile: string; knownHostsFile: string }): string[] {
  const o = (kv: string) => ["-o", kv];
  return [
    "-F", "/dev/null",
    "-i", files.identityFile,
    "-p", String(target.port),
    ...o("IdentitiesOnly=yes"),
    ...o("IdentityAgent=none"),
    ...o("BatchMode=yes"),
    ...o("StrictHostKeyChecking=yes"),
    ...o(`UserKnownHostsFile=${files.knownHostsFile}`),
    ...o("GlobalKnownHostsFile=/dev/null"),
    ...o("ConnectTimeout=10"),
    ...o("ServerAliveInterval=5"),
    ...o("ServerAliveCountMax=3"),
    ...o("LogLevel=ERROR"),
  ];
}

/** The known_hosts host field: `host` on port 22, `[host]:port` otherwise (OpenSSH's own convention). */
function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * known_hosts lines pinning `keys` (each `type base64`, e.g. `ssh-ed25519 AAAA…`, an optional comment is dropped)
 * for `host:port`. Throws on a line that is not a public key, so a pasted private key or garbage never becomes
 * a silent "no key".
 */
export function knownHostsLines(host: string, port: number, keys: readonly string[]): string {
  const name = knownHostsName(host, port);
  return keys
    .map((k) => {
      const [type, blob] = k.trim().split(/\s+/);
      if (!type || !blob || !/^(ssh-|ecdsa-|sk-)[\w@.-]+$/.test(type) || !/^[A-Za-z0-9+/]+={0,3}$/.test(blob)) {
        throw new Error(`not an SSH public host key: '${k.trim().slice(0, 40)}…' (expected e.g. 'ssh-ed25519 AAAA…')`);
      }
      return `${name} ${type} ${blob}\n`;
    })
    .join("");
}

/** Host keys from `ssh-keyscan` output (comment lines dropped), as `type base64` strings, sorted. */
export function keysFromKeyscan(output: string): string[] {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(/\s+/).slice(1, 3).join(" "))
    .filter((k) => k.includes(" "))
    .sort();
}

/** Delays before each reconnect attempt: doubling from `baseDelayMs`, capped at `maxDelayMs`. */
export function reconnectDelaysMs(policy: { attempts: number; baseDelayMs: number; maxDelayMs: number }): number[] {
  return Array.from({ length: policy.attempts }, (_, i) => Math.min(policy.baseDelayMs * 2 ** i, policy.maxDelayMs));
}

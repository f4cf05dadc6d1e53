/**
 * The SSH transport's pure parts: the options every connection uses (host keys checked, only our key), the
 * known_hosts lines of pinned keys, keys from `ssh-keyscan`, and the bounded reconnect schedule.
 */
import { describe, expect, it } from "vitest";
import { keysFromKeyscan, knownHostsLines, reconnectDelaysMs, sshCommonOptions } from "../../components/transport/ssh-options.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq1eh1nBKVaa3N+Sn0jFtiG3OXmXsUe3Wl1ZSKnAJuR";

describe("sshCommonOptions", () => {
  it("checks host keys strictly against our file only, uses only our key, never the user's config or agent", () => {
    const opts = sshCommonOptions({ host: "10.0.0.2", port: 2222, user: "lab" }, { identityFile: "/t/key", knownHostsFile: "/t/kh" });
    const settings = opts.filter((_, i) => opts[i - 1] === "-o");
    expect(settings).toEqual(expect.arrayContaining(["StrictHostKeyChecking=yes", "UserKnownHostsFile=/t/kh", "GlobalKnownHostsFile=/dev/null", "IdentitiesOnly=yes", "IdentityAgent=none", "BatchMode=yes"]));
    expect(settings.some((s) => /StrictHostKeyChecking=(no|accept-new)/.test(s))).toBe(false);
    expect(opts.slice(0, 2)).toEqual(["-F", "/dev/null"]);
    expect(opts[opts.indexOf("-p") + 1]).toBe("2222");
    expect(opts[opts.indexOf("-i") + 1]).toBe("/t/key");
  });
});

describe("knownHostsLines", () => {
  it("writes OpenSSH's host field (bare on port 22, [host]:port otherwise) and drops key comments", () => {
    expect(knownHostsLines("10.0.0.2", 22, [`${KEY} root@box`])).toBe(`10.0.0.2 ${KEY}\n`);
    expect(knownHostsLines("lab.example", 2222, [KEY, KEY.replace("ed25519", "rsa")])).toBe(`[lab.example]:2222 ${KEY}\n[lab.example]:2222 ${KEY.replace("ed25519", "rsa")}\n`);
  });

  it("refuses what is not a public key (a pasted private key, an empty line, garbage)", () => {
    for (const bad of ["-----BEGIN OPENSSH PRIVATE KEY-----", "", "ssh-ed25519", "nonsense AAAA", "ssh-ed25519 not*base64"]) {
      expect(() => knownHostsLines("h", 22, [bad])).toThrow(/not an SSH public host key/);
    }
  });
});

describe("keysFromKeyscan", () => {
  it("takes type and key of each line, ignores comments, sorts", () => {
    const out = `# 10.0.0.2:22 SSH-2.0-OpenSSH_9.2\n10.0.0.2 ${KEY}\n[10.0.0.2]:22 ssh-rsa AAAAB3NzaC1yc2E=\n\n`;
    expect(keysFromKeyscan(out)).toEqual([KEY, "ssh-rsa AAAAB3NzaC1yc2E="].sort());
    expect(keysFromKeyscan("# only a banner\n")).toEqual([]);
  });
});

describe("reconnectDelaysMs", () => {
  it("doubles from the base delay, capped, exactly `attempts` times", () => {
    expect(reconnectDelaysMs({ attempts: 6, baseDelayMs: 1000, maxDelayMs: 10_000 })).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(reconnectDelaysMs({ attempts: 0, baseDelayMs: 1000, maxDelayMs: 10_000 })).toEqual([]);
  });
});

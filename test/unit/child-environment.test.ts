/**
 * Long-lived children (the runner, the platform's processes) outlive `pulumi` and must not carry its secrets: only
 * an allow-list and peva-lab's own settings pass.
 */
import { describe, expect, it } from "vitest";
import { childEnvironment } from "../../components/process-control.ts";

describe("childEnvironment", () => {
  it("keeps PATH, HOME, locale, TZ, TMPDIR and PEVA_LAB_*; drops credentials and Pulumi's secrets", () => {
    const env = childEnvironment({
      PATH: "/usr/bin",
      HOME: "/home/u",
      LANG: "C.UTF-8",
      TZ: "UTC",
      TMPDIR: "/tmp",
      PEVA_LAB_PLUGIN_DIR: "/plugins",
      PULUMI_CONFIG_PASSPHRASE: "secret",
      PULUMI_ACCESS_TOKEN: "pul-123",
      AWS_SECRET_ACCESS_KEY: "aws",
      SSH_AUTH_SOCK: "/run/agent",
      PEVA_SSH_PRIVATE_KEY: "-----BEGIN",
    });
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/u", LANG: "C.UTF-8", TZ: "UTC", TMPDIR: "/tmp", PEVA_LAB_PLUGIN_DIR: "/plugins" });
  });
});

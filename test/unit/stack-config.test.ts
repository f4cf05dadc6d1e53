import { describe, expect, it } from "vitest";
import { z } from "zod";
import { validateStackConfig, parseConfigValue } from "../../config/validate.ts";

const plugins = [
  {
    name: "peva-faas",
    settingsSchema: z
      .object({ rate_strategy: z.object({ min_rate: z.number().min(0, "must be >= 0") }).strict().default({ min_rate: 0 }) })
      .strict(),
  },
  { name: "platform-local" },
];

function ok(raw: Record<string, string>, secrets: string[] = []) {
  const r = validateStackConfig(raw, secrets, plugins);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r;
}
function errors(raw: Record<string, string>, secrets: string[] = []): readonly string[] {
  const r = validateStackConfig(raw, secrets, plugins);
  if (r.ok) throw new Error("expected errors");
  return r.errors;
}

describe("stack config", () => {
  it("an empty config is the embedded local default", () => {
    const { config } = ok({});
    expect(config.provisioner).toEqual({ type: "local" });
    expect(config.platform).toMatchObject({ type: "local", maxReplicas: 4 });
    expect(config.cleanup).toEqual({ memory: false, paths: [] });
    expect(config.output.dir).toBe("output");
  });

  it("ignores other namespaces and parses JSON values", () => {
    const { config } = ok({ "aws:region": "x", "peva-lab:output": '{"dir":"out"}' });
    expect(config.output.dir).toBe("out");
    expect(parseConfigValue("abc")).toBe("abc");
    expect(parseConfigValue("3")).toBe(3);
  });

  it("validates workload settings with the plugin schema and reports the dotted path", () => {
    const e = errors({ "peva-lab:workloads": JSON.stringify({ "peva-faas": { settings: { rate_strategy: { min_rate: -5 } } } }) });
    expect(e).toEqual(["peva-lab:workloads.peva-faas.settings.rate_strategy.min_rate: must be >= 0"]);
  });

  it("rejects an unknown plugin name under workloads and plugins", () => {
    const e = errors({
      "peva-lab:workloads": JSON.stringify({ nope: {} }),
      "peva-lab:plugins": JSON.stringify(["platform-local", "ghost"]),
    });
    expect(e).toContain("peva-lab:workloads.nope: unknown plugin 'nope'; known plugins: peva-faas, platform-local");
    expect(e).toContain("peva-lab:plugins.1: unknown plugin 'ghost'; known plugins: peva-faas, platform-local");
  });

  it("rejects unknown keys at every level, listing every error", () => {
    const e = errors({ "peva-lab:typo": "1", "peva-lab:cleanup": '{"memory":false,"pathz":[]}' });
    expect([...e].sort()).toEqual(["peva-lab:cleanup.pathz: unknown key", "peva-lab:typo: unknown key"]);
  });

  it("requires credentials to be secrets and keeps them strings", () => {
    expect(errors({ "peva-lab:gatewayPassword": "123456" })).toEqual([
      "peva-lab:gatewayPassword: must be a secret; set it with `pulumi config set --secret peva-lab:gatewayPassword <value>`",
    ]);
    const r = ok({ "peva-lab:gatewayPassword": "123456" }, ["peva-lab:gatewayPassword"]);
    expect(r.config.gatewayPassword).toBe("123456");
    expect(r.secretKeys.has("gatewayPassword")).toBe(true);
  });

  it("checks the provisioner/platform combination and host roles", () => {
    const e = errors({
      "peva-lab:provisioner": JSON.stringify({ type: "multipass", vms: [{ name: "peva-runner", role: "runner" }] }),
      "peva-lab:platform": JSON.stringify({ type: "openfaas" }),
    });
    expect(e).toContain("peva-lab:provisioner: needs exactly one host with role 'platform', found none");
    expect(e).toContain(
      "peva-lab:sshPrivateKey: required for provisioner 'multipass'; set it with `pulumi config set --secret peva-lab:sshPrivateKey < ~/.ssh/id_ed25519`",
    );
    expect(e).toContain(
      "peva-lab:gatewayPassword: required for platform 'openfaas'; set it with `pulumi config set --secret peva-lab:gatewayPassword <password>`",
    );
    expect(errors({ "peva-lab:platform": '{"type":"openfaas"}' })).toContain(
      "peva-lab:platform.type: platform 'openfaas' needs a platform host for k3s; use provisioner 'multipass' or 'ssh'",
    );
  });

  it("OpenFaaS function deployments (platform.functions) are checked by path: name, pinned image, process, environment", () => {
    const hosts = [
      { name: "a", role: "runner", address: "10.0.0.1" },
      { name: "b", role: "platform", address: "10.0.0.2" },
    ];
    const raw = (functions: object) => ({
      "peva-lab:provisioner": JSON.stringify({ type: "ssh", hosts }),
      "peva-lab:platform": JSON.stringify({ type: "openfaas", functions }),
      "peva-lab:sshPrivateKey": "k",
      "peva-lab:gatewayPassword": "p",
    });
    const secrets = ["peva-lab:sshPrivateKey", "peva-lab:gatewayPassword"];
    const digest = `ghcr.io/openfaas/figlet@sha256:${"a".repeat(64)}`;
    const good = ok(raw({ figlet: { image: digest }, "eat-memory": { image: "registry.lab:5000/me/eat-memory:1.0", envVars: { GOGC: "off" } } }), secrets);
    expect(good.config.platform).toMatchObject({ functions: { figlet: { image: digest }, "eat-memory": { image: "registry.lab:5000/me/eat-memory:1.0", envVars: { GOGC: "off" } } } });
    const e = errors(
      raw({
        Figlet: { image: "ghcr.io/openfaas/figlet:latest" },
        shasum: { image: "ghcr.io/openfaas/alpine" },
        env: { image: "registry.lab:5000/alpine" },
        nmap: { image: "functions/nmap:0.13.0; rm -rf /" },
        curl: { image: "ghcr.io/openfaas/curl:1", envProcess: "curl\nid", envVars: { "BAD-NAME": "x", ok: "a\u0000b" } },
        markdown: { image: "ghcr.io/x/markdown:1", command: "sh" },
      }),
      secrets,
    );
    expect(e).toEqual(
      expect.arrayContaining([
        "peva-lab:platform.functions.Figlet: function names must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit",
        "peva-lab:platform.functions.shasum.image: must carry a tag or a @sha256: digest",
        "peva-lab:platform.functions.env.image: must carry a tag or a @sha256: digest",
        "peva-lab:platform.functions.nmap.image: must be a container image reference such as ghcr.io/me/eat-memory:1.0 (lower-case path, no spaces)",
        "peva-lab:platform.functions.curl.envProcess: must not contain line breaks or other control characters",
        "peva-lab:platform.functions.curl.envVars.BAD-NAME: environment variable names are letters, digits and '_', not starting with a digit",
        "peva-lab:platform.functions.curl.envVars.ok: must not contain line breaks or other control characters",
        "peva-lab:platform.functions.markdown.command: unknown key",
      ]),
    );
  });

  it("renamed role, duplicate roles, host keys, users and addresses are checked by path", () => {
    const ssh = (hosts: object[]) => errors({ "peva-lab:provisioner": JSON.stringify({ type: "ssh", hosts }), "peva-lab:sshPrivateKey": "k" }, ["peva-lab:sshPrivateKey"]);
    expect(ssh([{ name: "a", role: "k3s", address: "h" }, { name: "b", role: "runner", address: "h" }])).toContain(
      "peva-lab:provisioner.hosts.0.role: role 'k3s' is now 'platform' (the host of the platform under test: k3s + OpenFaaS, or the embedded platform)",
    );
    expect(ssh([{ name: "a", role: "runner", address: "h" }, { name: "b", role: "runner", address: "h" }, { name: "c", role: "platform", address: "h" }])).toContain(
      "peva-lab:provisioner: needs exactly one host with role 'runner', found 2",
    );
    const bad = ssh([
      { name: "a", role: "runner", address: "h; rm -rf /", user: "Root Admin", hostKeys: ["-----BEGIN OPENSSH PRIVATE KEY-----"] },
      { name: "b", role: "platform", address: "10.0.0.2" },
    ]);
    expect(bad).toContain("peva-lab:provisioner.hosts.0.address: must be an IP address or a DNS name");
    expect(bad).toContain("peva-lab:provisioner.hosts.0.user: must be a POSIX user name (lowercase letters, digits, '_', '.', '-')");
    expect(bad.some((e) => e.startsWith("peva-lab:provisioner.hosts.0.hostKeys.0: must be an SSH public host key"))).toBe(true);
    // The embedded platform on a remote host is a supported lab.
    const hosts = [
      { name: "a", role: "runner", address: "10.0.0.1", hostKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq1eh1nBKVaa3N+Sn0jFtiG3OXmXsUe3Wl1ZSKnAJuR root@a"] },
      { name: "b", role: "platform", address: "lab-b.example.org" },
    ];
    expect(ok({ "peva-lab:provisioner": JSON.stringify({ type: "ssh", hosts }), "peva-lab:sshPrivateKey": "k" }, ["peva-lab:sshPrivateKey"]).config.platform.type).toBe("local");
  });

  it("reports the field inside the matching union branch", () => {
    const e = errors({
      "peva-lab:provisioner": JSON.stringify({ type: "ssh", hosts: [{ name: "Bad Name", role: "runner", address: "h" }] }),
    });
    expect(e[0]).toBe("peva-lab:provisioner.hosts.0.name: must be lowercase letters, digits and hyphens (1-63 chars)");
  });

  it("refuses opt-in cleanup without explicit paths", () => {
    expect(errors({ "peva-lab:cleanup": '{"memory":true}' })).toEqual([
      "peva-lab:cleanup.paths: cleanup.memory is true but no paths are listed; name the paths to delete explicitly",
    ]);
  });

  it("checks each cleanup path's text at preview: every bad path reported at its index, escaped", () => {
    const paths = [
      "benchmark_results/peva_faas/memory",
      "/etc",
      "benchmark_results/peva_faas/../../etc",
      "~root/.ssh",
      "benchmark_results/peva_faas/\u001b[2J",
      "",
      "~/.peva_faas-k6/runner",
    ];
    const allowed = "'benchmark_results/peva_faas' (in the runner workdir), '~/.peva_faas-k6'";
    expect(errors({ "peva-lab:cleanup": JSON.stringify({ memory: true, paths }) })).toEqual([
      "peva-lab:cleanup.paths.1: the path is absolute; a cleanup path is relative to the runner workdir or starts with '~/'",
      `peva-lab:cleanup.paths.2: it normalizes to 'etc', outside the allowed prefixes ${allowed}`,
      "peva-lab:cleanup.paths.3: '~root' names another user's home; a cleanup path starts with '~/' (the runner login user's home) or is relative to the runner workdir",
      "peva-lab:cleanup.paths.4: the path contains the unprintable character U+001B",
      "peva-lab:cleanup.paths.5: the path is empty",
    ]);
    const { config } = ok({ "peva-lab:cleanup": JSON.stringify({ memory: true, paths: [paths[0], paths[6]] }) });
    expect(config.cleanup).toEqual({ memory: true, paths: ["benchmark_results/peva_faas/memory", "~/.peva_faas-k6/runner"] });
  });
});

describe("stack config: every error at once", () => {
  it("reports workload settings errors even when other parts of the config are wrong", () => {
    const r = validateStackConfig(
      {
        "peva-lab:typo": "1",
        "peva-lab:workloads": JSON.stringify({ "peva-faas": { settings: { rate_strategy: { min_rate: -1 } } } }),
      },
      [],
      plugins,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toContain("peva-lab:typo: unknown key");
      expect(r.errors).toContain("peva-lab:workloads.peva-faas.settings.rate_strategy.min_rate: must be >= 0");
    }
  });
});

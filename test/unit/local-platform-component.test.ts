/**
 * The `LocalPlatform` resource's inputs, with Pulumi mocks (only the registration is under test; the provider runs
 * for real in test/integration/remote-platform.test.ts): on a remote host the private key travels as a secret
 * top-level input, and on this machine the inputs hold nothing of a remote host.
 *
 * Also mocked: the serialization of the dynamic provider's closure, which cannot run under vitest (its module
 * runner puts its own functions into every module's closures); the Pulumi CLI e2e tests serialize it for real.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { collectResources, isSecretValue, revealSecrets, secretFree, stubDynamicProviderSerialization, type RecordedResource } from "../support/pulumi-mocks.ts";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nMOCK-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----";
const KNOWN_HOSTS = "10.0.0.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMOCK\n";

describe("LocalPlatform registration (Pulumi mocks)", () => {
  let remote: RecordedResource;
  let local: RecordedResource;

  beforeAll(async () => {
    stubDynamicProviderSerialization();
    const recorder = collectResources();
    pulumi.runtime.setMocks(recorder.mocks, "peva-lab", "lab-test", false);
    const { LocalPlatform } = await import("../../components/local-platform.ts");
    // The key arrives plain here on purpose: the resource must make it a secret by itself.
    const onHost = new LocalPlatform("platform", {
      stateDir: "platform",
      maxReplicas: 4,
      queueDepth: 32,
      node: { cpus: 1, memoryMb: 2048, isolation: "auto" as const },
      remote: { connection: { host: pulumi.output("10.0.0.7"), port: 22, user: "ubuntu", knownHosts: KNOWN_HOSTS }, privateKey: KEY, workdir: ".peva-lab" },
    });
    const here = new LocalPlatform("platform-here", { stateDir: "output/local/platform", maxReplicas: 4, queueDepth: 32, node: { cpus: 1, memoryMb: 2048, isolation: "auto" as const } });
    await recorder.settle(pulumi.all([onHost.urn, here.urn]));
    const byName = (name: string) => recorder.resources.find((r) => r.name === name)!;
    remote = byName("platform");
    local = byName("platform-here");
  });

  it("on a remote host: the connection and workdir as given, the private key a secret of its own", () => {
    expect(remote.type).toBe("pulumi-nodejs:dynamic/peva-lab:LocalPlatform");
    expect(remote.inputs["remote"]).toEqual({ connection: { host: "10.0.0.7", port: 22, user: "ubuntu", knownHosts: KNOWN_HOSTS }, workdir: ".peva-lab" });
    expect(isSecretValue(remote.inputs["privateKey"])).toBe(true);
    expect(revealSecrets(remote.inputs["privateKey"])).toBe(KEY);
    expect(JSON.stringify(secretFree(remote.inputs))).not.toContain("MOCK-KEY-MATERIAL");
    expect(remote.inputs["providerVersion"]).toBe("3");
  });

  it("on this machine: no remote host, no key", () => {
    expect(Object.keys(local.inputs)).not.toContain("remote");
    expect(Object.keys(local.inputs)).not.toContain("privateKey");
    expect(local.inputs).toMatchObject({ stateDir: "output/local/platform", maxReplicas: 4, queueDepth: 32, node: { cpus: 1, memoryMb: 2048, isolation: "auto" as const } });
  });
});

/**
 * `OpenFaasFunction` through the real Pulumi CLI against the embedded platform's deploy API (the same REST API as
 * OpenFaaS's gateway): create, an environment change that updates in place and that the function then shows, an
 * image change that replaces, a wrong password that fails clearly and creates nothing, and delete.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "../../plugins/platform-local/src/gateway.ts";
import { copyProject, stackUrns, type ProjectCopy } from "../support/pulumi-project.ts";

const PASSWORD = "fn-e2e-secret";
let gw: Gateway;
let project: ProjectCopy;

beforeAll(async () => {
  gw = await startGateway({ password: PASSWORD, functions: ["figlet"] });
  project = await copyProject("peva-fn-");
  // The program runs from the project root (the dynamic provider loads its implementation relative to the
  // program's directory), so the fixture goes there with its imports rebased.
  const program = await readFile(join(project.dir, "test/fixtures/openfaas-function-program.ts"), "utf8");
  await writeFile(join(project.dir, "openfaas-function-program.ts"), program.replaceAll("../../components/", "./components/"));
  const yaml = join(project.dir, "Pulumi.yaml");
  await writeFile(yaml, (await readFile(yaml, "utf8")).replace(/^main: .*$/m, "main: openfaas-function-program.ts"));
});
afterAll(async () => {
  await gw?.close();
  await project?.remove();
});

const auth = { Authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}` };
async function status(name: string): Promise<Record<string, unknown> | undefined> {
  const r = await fetch(`${gw.url}/system/function/${name}`, { headers: auth, signal: AbortSignal.timeout(10_000) });
  return r.status === 404 ? undefined : ((await r.json()) as Record<string, unknown>);
}
const invokeEnv = async () => (await fetch(`${gw.url}/function/env`, { method: "POST", signal: AbortSignal.timeout(10_000) })).text();

describe("OpenFaasFunction through the Pulumi CLI", () => {
  it("creates, updates in place, replaces on a new image, and deletes; the password stays a secret", async () => {
    const stack = await project.stack("fn");
    await stack.setAllConfig({
      "fixture:gatewayUrl": { value: gw.url },
      "fixture:password": { value: PASSWORD, secret: true },
      "fixture:name": { value: "env" },
      "fixture:image": { value: "ghcr.io/openfaas/alpine:latest" },
      "fixture:envVars": { value: JSON.stringify({ GREETING: "hello" }) },
    });
    const created = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    expect(created.summary.resourceChanges?.["create"]).toBe(2); // the stack and the function
    expect(created.outputs["availableReplicas"]?.value).toBeGreaterThanOrEqual(1);
    expect(await status("env")).toMatchObject({
      image: "ghcr.io/openfaas/alpine:latest",
      envProcess: "env",
      envVars: { GREETING: "hello" },
      labels: { "peva-lab/role": "benchmark" },
      annotations: { note: "declared by the e2e fixture" },
      limits: { memory: "128Mi" },
    });
    expect(await invokeEnv()).toContain("GREETING=hello\n");
    // The state file as the backend stores it (exportStack would decrypt): the password only as ciphertext.
    const stateFiles = await readdir(join(project.stateDir, ".pulumi/stacks/peva-lab"));
    const stored = await readFile(join(project.stateDir, ".pulumi/stacks/peva-lab", stateFiles.find((f) => f.startsWith("fn.json"))!), "utf8");
    expect(stored).toContain('"password":{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext"');
    expect(stored).not.toContain(PASSWORD);

    await stack.setConfig("fixture:envVars", { value: JSON.stringify({ GREETING: "bonjour" }) });
    const updated = await stack.up();
    expect(updated.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(updated.summary.resourceChanges?.["replace"]).toBeUndefined();
    expect(await invokeEnv()).toContain("GREETING=bonjour\n");

    await stack.setConfig("fixture:image", { value: "ghcr.io/openfaas/alpine:3.20" });
    const replaced = await stack.up();
    expect(replaced.summary.resourceChanges).toMatchObject({ replace: 1 });
    expect(await status("env")).toMatchObject({ image: "ghcr.io/openfaas/alpine:3.20", envVars: { GREETING: "bonjour" } });

    expect((await stack.preview()).changeSummary).toEqual({ same: 2 });
    await stack.destroy();
    expect(await status("env")).toBeUndefined();
    expect(await stackUrns(stack)).toEqual([]);
  });

  it("a wrong password fails with a clear error and creates nothing", async () => {
    const stack = await project.stack("wrong-password");
    await stack.setAllConfig({
      "fixture:gatewayUrl": { value: gw.url },
      "fixture:password": { value: "not-the-password", secret: true },
      "fixture:name": { value: "shasum" },
      "fixture:image": { value: "ghcr.io/openfaas/alpine:latest" },
      "fixture:envVars": { value: "{}" },
    });
    const failure = await stack.up().then(
      () => undefined,
      (e: unknown) => String(e),
    );
    expect(failure).toContain(`peva-lab:gatewayPassword: the gateway at ${gw.url} refused the password (HTTP 401) to deploy function shasum; nothing was changed`);
    expect((await stackUrns(stack)).filter((u) => u.includes("OpenFaasFunction"))).toEqual([]);
    expect(await status("shasum")).toBeUndefined();
  });
});

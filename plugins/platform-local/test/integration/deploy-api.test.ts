/**
 * The embedded platform's deploy API (OpenFaaS's `POST`/`PUT`/`DELETE /system/functions`): a gateway started with
 * only `figlet` gets `env` deployed with an environment its workers then show, updated, refused when the body is
 * wrong or the password is, and removed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "../../src/gateway.ts";
import { invoke, request } from "./helpers.ts";

const PASSWORD = "deploy-secret";
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ password: PASSWORD, functions: ["figlet"] });
});
afterAll(async () => {
  await gw?.close();
});

const api = (method: string, body: unknown, password = PASSWORD) =>
  request(`${gw.url}/system/functions`, { method, body: typeof body === "string" ? body : JSON.stringify(body), password, headers: { "Content-Type": "application/json" } });
const status = async (name: string) => {
  const r = await request(`${gw.url}/system/function/${name}`, { password: PASSWORD });
  return { code: r.status, json: r.status === 200 ? (JSON.parse(r.text) as Record<string, unknown>) : undefined };
};

describe("deploy API", () => {
  it("deploys, shows, updates and removes a function; its environment reaches the workers", async () => {
    expect((await invoke(gw.url, "env", "")).status).toBe(404);
    const spec = { service: "env", image: "ghcr.io/openfaas/alpine:latest", envProcess: "env", envVars: { GREETING: "hello" }, labels: { tier: "bench" }, annotations: { note: "a b" }, limits: { memory: "128Mi" } };
    expect((await api("POST", spec)).status).toBe(202);
    const deployed = await status("env");
    expect(deployed.json).toMatchObject({ name: "env", image: spec.image, envProcess: "env", envVars: { GREETING: "hello" }, labels: { tier: "bench" }, annotations: { note: "a b" }, limits: { memory: "128Mi" } });
    expect(deployed.json!["availableReplicas"]).toBeGreaterThanOrEqual(1);
    expect((await invoke(gw.url, "env", "")).text).toContain("GREETING=hello\n");
    // Deploying again is a conflict; an update replaces the environment.
    expect((await api("POST", spec)).status).toBe(409);
    expect((await api("PUT", { ...spec, envVars: { GREETING: "bonjour" } })).status).toBe(202);
    expect((await status("env")).json).toMatchObject({ envVars: { GREETING: "bonjour" } });
    const after = (await invoke(gw.url, "env", "")).text;
    expect(after).toContain("GREETING=bonjour\n");
    expect(after).not.toContain("GREETING=hello");
    const listed = JSON.parse((await request(`${gw.url}/system/functions`, { password: PASSWORD })).text) as { name: string }[];
    expect(listed.map((f) => f.name).sort()).toEqual(["env", "figlet"]);
    expect((await api("DELETE", { functionName: "env" })).status).toBe(202);
    expect((await status("env")).code).toBe(404);
    expect((await invoke(gw.url, "env", "")).status).toBe(404);
    expect((await api("DELETE", { functionName: "env" })).status).toBe(404);
    expect((await api("PUT", spec)).status).toBe(404);
  });

  it("refuses what it cannot run, malformed bodies and a wrong password, changing nothing", async () => {
    const nmap = await api("POST", { service: "nmap", image: "functions/nmap:0.13.0" });
    expect(nmap.status).toBe(400);
    expect(nmap.text).toBe('the embedded platform runs figlet, shasum, env, markdown, qrcode; it cannot deploy "nmap"\n');
    expect((await api("POST", { service: "shasum" })).text).toBe("image: Invalid input: expected string, received undefined\n");
    expect((await api("POST", { service: "shasum", image: "x", envVars: { "A B": "1", "$(id)": "2" } })).text).toBe('envVars: not environment variable names: "A B", "$(id)"\n');
    expect((await api("POST", "{not json")).status).toBe(400);
    expect((await api("DELETE", { name: "figlet" })).text).toBe('the body must be JSON: {"functionName": "<name>"}\n');
    expect((await api("POST", { service: "shasum", image: "x" }, "wrong")).status).toBe(401);
    expect((await api("DELETE", { functionName: "figlet" }, "wrong")).status).toBe(401);
    expect((await status("shasum")).code).toBe(404);
    expect((await invoke(gw.url, "figlet", "hi")).status).toBe(200);
  });
});

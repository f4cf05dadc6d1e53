/**
 * The active cooldown's reset through the real embedded gateway: the runner's `scaleFunctions` (what it calls before
 * each iteration's cooldown) puts scaled-up functions back to one replica at once, and reports, without throwing,
 * every function the gateway did not scale.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "../../plugins/platform-local/src/gateway.ts";
import { scaleFunctions } from "../../plugins/peva-faas/src/runner/gateway.ts";
import { freePort } from "../../components/process-control.ts";

const auth = { user: "admin", password: "cooldown-secret" };
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway({ password: auth.password, functions: ["figlet", "shasum"] });
});
afterAll(async () => {
  await gw?.close();
});

async function replicas(name: string): Promise<number> {
  const res = await fetch(`${gw.url}/system/function/${name}`, { headers: { authorization: `Basic ${Buffer.from(`admin:${auth.password}`).toString("base64")}` } });
  return ((await res.json()) as { replicas: number }).replicas;
}

describe("active cooldown: scaleFunctions against the embedded gateway", () => {
  it("scales up and back to one replica at once", async () => {
    expect(await scaleFunctions(gw.url, auth, ["figlet", "shasum"], 3)).toEqual([]);
    expect([await replicas("figlet"), await replicas("shasum")]).toEqual([3, 3]);
    expect(await scaleFunctions(gw.url, auth, ["figlet", "shasum"], 1)).toEqual([]);
    expect([await replicas("figlet"), await replicas("shasum")]).toEqual([1, 1]);
  });

  it("reports what it could not scale, one message per function, and never throws", async () => {
    expect(await scaleFunctions(gw.url, { ...auth, password: "wrong" }, ["figlet"], 1)).toEqual([
      `figlet: gateway answered 401 at ${gw.url}/system/scale-function/figlet`,
    ]);
    expect(await scaleFunctions(gw.url, auth, ["markdown"], 1)).toEqual([`markdown: gateway answered 404 at ${gw.url}/system/scale-function/markdown`]);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const [unreachable] = await scaleFunctions(closed, auth, ["figlet"], 1, 2_000);
    expect(unreachable).toMatch(new RegExp(`^figlet: .* at ${closed}/system/scale-function/figlet$`));
  });
});

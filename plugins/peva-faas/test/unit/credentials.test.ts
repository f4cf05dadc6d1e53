/**
 * Credentials never travel in URLs: settings and run specs are stored and logged in plain text (the stack's state
 * and outputs, the runner's log). The secret goes in the stack's secret fields or a 0600 password file instead.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REFUSED_SETTINGS } from "../../src/config/index.ts";
import { PrometheusClient } from "../../src/prometheus/client.ts";
import { basicAuthorization } from "../../src/runner/gateway.ts";
import { runSpecSchema, type RunSpec } from "../../src/runner/spec.ts";
import { configIssues, runSpecFixture } from "./support/fixtures.ts";

const spec = (prometheus: RunSpec["prometheus"], gatewayUrl = "http://127.0.0.1:8080"): RunSpec =>
  runSpecFixture({ prometheus, gateway: { url: gatewayUrl, user: "admin", password_file: "/w/runs/r1/gateway-password" } });

describe("no URL in the settings: credentials cannot travel there", () => {
  it("gateway_url is refused, naming the gatewayPassword secret; prometheus_url is refused too", () => {
    expect(configIssues({ gateway_url: "http://admin:hunter2@10.0.0.2:31112" })).toEqual([`gateway_url: ${REFUSED_SETTINGS.gateway_url}`]);
    expect(REFUSED_SETTINGS.gateway_url).toContain("pulumi config set --secret peva-lab:gatewayPassword");
    expect(configIssues({ prometheus_url: "http://u:p@{host.address}:30411" })).toEqual([`prometheus_url: ${REFUSED_SETTINGS.prometheus_url}`]);
  });

  it("whatever the user info, the message never echoes it", () => {
    const part = fc.string({ minLength: 4, maxLength: 12, unit: fc.constantFrom(..."abcXYZ019-_.~!$&'()*+,;=%".split("")) });
    fc.assert(
      fc.property(part, part, (user, password) => {
        const found = configIssues({ gateway_url: `http://${user}:${password}@gw.example:31112` });
        expect(found).toEqual([`gateway_url: ${REFUSED_SETTINGS.gateway_url}`]);
        expect(found.join("\n")).not.toContain(`${user}:${password}`);
      }),
      { numRuns: 200 },
    );
  });

  it("the run spec refuses URLs with user info, and a Prometheus user without a password file", () => {
    expect(runSpecSchema.safeParse(spec({ url: "http://127.0.0.1:9090" })).success).toBe(true);
    expect(runSpecSchema.safeParse(spec({ url: "http://u:p@127.0.0.1:9090" })).success).toBe(false);
    expect(runSpecSchema.safeParse(spec({ url: "http://127.0.0.1:9090" }, "http://admin:pw@127.0.0.1:8080")).success).toBe(false);
    expect(runSpecSchema.safeParse(spec({ url: "http://127.0.0.1:9090", user: "prom" })).success).toBe(false);
    expect(runSpecSchema.safeParse(spec({ url: "http://127.0.0.1:9090", user: "prom", password_file: "/w/runs/r1/prometheus-password" })).success).toBe(true);
  });
});

describe("Prometheus basic auth from a password file", () => {
  it("every query carries the Authorization header, and the URL stays without credentials", async () => {
    const seen: { url: string; authorization: string | null }[] = [];
    const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(input), authorization: new Headers(init?.headers).get("authorization") });
      return new Response(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, "2"] }] } }));
    }) as typeof fetch;
    const client = new PrometheusClient("http://127.0.0.1:9090", { fetch: fakeFetch, authorization: basicAuthorization({ user: "prom", password: "s3cret" }) });
    await client.instant("up");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from("prom:s3cret").toString("base64")}`);
    expect(seen[0]!.url).not.toContain("s3cret");
  });
});

/**
 * The campaign identity decides what the memory reuses: everything that changes what a measurement means is in it
 * (here: the load generator, its version, its settings and the request timeout, besides the platform, functions,
 * duration, iterations and overload rules), and nothing else is (rates and combinations).
 */
import { describe, expect, it } from "vitest";
import { campaignId, type CampaignIdentity } from "../../src/runner/campaign.ts";

const base: CampaignIdentity = {
  platform: "local",
  functions: [{ name: "figlet", method: "POST", body: "Hello DFaas!", headers: { "Content-Type": "text/plain" } }],
  duration: "10s",
  iterations: 2,
  overload: { cpu_overload_pct_of_capacity: 80, success_rate_function_min: 0.9 },
  loadgen: { name: "vegeta", version: "v12.13.0", settings: { max_workers: 10_000, keepalive: true }, request_timeout: "30s" },
};

describe("campaign identity", () => {
  it("is stable and independent of key order", () => {
    const reordered: CampaignIdentity = {
      ...base,
      overload: { success_rate_function_min: 0.9, cpu_overload_pct_of_capacity: 80 },
      loadgen: { ...base.loadgen, settings: { keepalive: true, max_workers: 10_000 } },
    };
    expect(campaignId(base)).toMatch(/^campaign-[0-9a-f]{16}$/);
    expect(campaignId(reordered)).toBe(campaignId(base));
  });

  it.each<[string, CampaignIdentity]>([
    ["another generator", { ...base, loadgen: { ...base.loadgen, name: "k6", version: "v1.8.1" } }],
    ["another version of the same generator", { ...base, loadgen: { ...base.loadgen, version: "v12.12.0" } }],
    ["another generator setting", { ...base, loadgen: { ...base.loadgen, settings: { max_workers: 100, keepalive: true } } }],
    ["another request timeout", { ...base, loadgen: { ...base.loadgen, request_timeout: "5s" } }],
    ["another platform", { ...base, platform: "openfaas" }],
    ["another request body", { ...base, functions: [{ ...base.functions[0]!, body: "other" }] }],
    ["another duration", { ...base, duration: "30s" }],
    ["another overload rule", { ...base, overload: { ...base.overload, success_rate_function_min: 0.95 } }],
  ])("changes with %s, so no earlier measurement is reused", (_label, changed) => {
    expect(campaignId(changed)).not.toBe(campaignId(base));
  });
});

/**
 * The campaign identity decides what the memory reuses: everything that changes what a measurement means is in it
 * (the platform with its node size, limits and versions; the functions and their requests; the duration, the
 * iterations and the overload rules; the load generator, its version, its settings and the request timeout), and
 * nothing else is (rates and combinations, the order of functions or of keys).
 */
import { describe, expect, it } from "vitest";
import { campaignId, campaignIdentityOf, type CampaignIdentity } from "../../src/runner/campaign.ts";
import { runSpecSchema, type RunSpec } from "../../src/runner/spec.ts";

const figlet = { name: "figlet", method: "POST", body: "Hello DFaas!", headers: { "Content-Type": "text/plain", "X-Trace": "1" } };
const shasum = { name: "shasum", method: "POST", body: "abcde", headers: { "Content-Type": "text/plain" } };

const OVERLOAD = {
  cpu_overload_pct_of_capacity: 80,
  ram_overload_pct: 90,
  success_rate_node_min: 0.95,
  success_rate_function_min: 0.9,
  replicas_overload_threshold: 15,
};

/** An embedded-platform campaign as the local stack identifies it. */
const local: CampaignIdentity = {
  platform: { kind: "local", node_cores: 2, node_memory_gib: 8, runner_on_platform_host: true, max_replicas: 4, queue_depth: 32 },
  functions: [figlet, shasum],
  duration: "10s",
  iterations: 2,
  overload: OVERLOAD,
  loadgen: { name: "vegeta", version: "v12.13.0", settings: { max_workers: 10_000, keepalive: true }, request_timeout: "30s" },
};

/** The same campaign on k3s + OpenFaaS. */
const openfaas: CampaignIdentity = {
  ...local,
  platform: {
    kind: "openfaas",
    node_cores: 4,
    node_memory_gib: 8,
    runner_on_platform_host: false,
    k3s_version: "v1.33.4+k3s1",
    openfaas_chart_version: "14.2.103",
    prometheus_image: "prom/prometheus:v2.52.0",
    node_exporter_image: "prom/node-exporter:v1.8.1",
  },
};

const withPlatform = (base: CampaignIdentity, change: Record<string, string | number | boolean>): CampaignIdentity => ({
  ...base,
  platform: { ...base.platform, ...change },
});
const withFunction = (change: Partial<CampaignIdentity["functions"][number]>): CampaignIdentity => ({ ...local, functions: [{ ...figlet, ...change }, shasum] });

describe("campaign identity", () => {
  it("is a short id, stable across the order of functions and of every object's keys", () => {
    const reordered: CampaignIdentity = {
      platform: { queue_depth: 32, max_replicas: 4, runner_on_platform_host: true, node_memory_gib: 8, node_cores: 2, kind: "local" },
      functions: [shasum, { ...figlet, headers: { "X-Trace": "1", "Content-Type": "text/plain" } }],
      duration: "10s",
      iterations: 2,
      overload: Object.fromEntries(Object.entries(OVERLOAD).reverse()),
      loadgen: { name: "vegeta", version: "v12.13.0", settings: { keepalive: true, max_workers: 10_000 }, request_timeout: "30s" },
    };
    expect(campaignId(local)).toMatch(/^campaign-[0-9a-f]{16}$/);
    expect(campaignId(reordered)).toBe(campaignId(local));
    expect(campaignId({ ...openfaas, platform: Object.fromEntries(Object.entries(openfaas.platform).reverse()) as CampaignIdentity["platform"] })).toBe(
      campaignId(openfaas),
    );
  });

  const changes: [string, CampaignIdentity, CampaignIdentity][] = [
    // The platform: kind, node size, limits, versions.
    ["another platform kind", local, withPlatform(local, { kind: "openfaas" })],
    ["another maxReplicas", local, withPlatform(local, { max_replicas: 8 })],
    ["another queueDepth", local, withPlatform(local, { queue_depth: 64 })],
    ["other node cores", local, withPlatform(local, { node_cores: 4 })],
    ["other node memory", local, withPlatform(local, { node_memory_gib: 16 })],
    ["a runner moved off the platform host", local, withPlatform(local, { runner_on_platform_host: false })],
    ["another k3s version", openfaas, withPlatform(openfaas, { k3s_version: "v1.34.1+k3s1" })],
    ["another OpenFaaS chart version", openfaas, withPlatform(openfaas, { openfaas_chart_version: "14.2.104" })],
    ["another Prometheus image", openfaas, withPlatform(openfaas, { prometheus_image: "prom/prometheus:v2.53.0" })],
    ["another node-exporter image", openfaas, withPlatform(openfaas, { node_exporter_image: "prom/node-exporter:v1.9.0" })],
    ["an identity entry more", local, withPlatform(local, { something_new: "x" })],
    // Each field of a function's request.
    ["another function name", local, withFunction({ name: "env" })],
    ["another method", local, withFunction({ method: "GET" })],
    ["another request body", local, withFunction({ body: "other" })],
    ["another header value", local, withFunction({ headers: { ...figlet.headers, "Content-Type": "application/json" } })],
    ["a header less", local, withFunction({ headers: { "Content-Type": "text/plain" } })],
    ["a function less", local, { ...local, functions: [figlet] }],
    // Load and judgement.
    ["another duration", local, { ...local, duration: "30s" }],
    ["other iterations", local, { ...local, iterations: 3 }],
    ...Object.keys(OVERLOAD).map((rule): [string, CampaignIdentity, CampaignIdentity] => [
      `another overload rule ${rule}`,
      local,
      { ...local, overload: { ...OVERLOAD, [rule]: OVERLOAD[rule as keyof typeof OVERLOAD] + 1 } },
    ]),
    // The load generator.
    ["another generator", local, { ...local, loadgen: { ...local.loadgen, name: "k6", version: "v1.8.1" } }],
    ["another version of the same generator", local, { ...local, loadgen: { ...local.loadgen, version: "v12.12.0" } }],
    ["another generator setting", local, { ...local, loadgen: { ...local.loadgen, settings: { max_workers: 100, keepalive: true } } }],
    ["another request timeout", local, { ...local, loadgen: { ...local.loadgen, request_timeout: "5s" } }],
  ];

  it.each(changes)("changes with %s, so no earlier measurement is reused", (_label, base, changed) => {
    expect(campaignId(changed)).not.toBe(campaignId(base));
  });

  it("gives every change its own id (no two single changes collide)", () => {
    const ids = changes.map(([, , changed]) => campaignId(changed));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("the identity of a run spec's campaign", () => {
  const config = {
    functions: [figlet, shasum],
    duration: "10s",
    iterations: 2,
    overload: OVERLOAD,
    loadgen: { type: "vegeta", request_timeout: "30s" },
    early_abort: { enabled: false, min_share: 0.2, min_requests: 50, check_interval_seconds: 1 },
  };
  const generator = { name: "vegeta", version: "v12.13.0", settings: { max_workers: 10_000, keepalive: true } };
  const spec = (over: Partial<RunSpec>): Pick<RunSpec, "platform" | "node_cores" | "platform_identity"> => ({
    platform: "local",
    node_cores: 2,
    platform_identity: { kind: "local", node_cores: 2, max_replicas: 4, queue_depth: 32 },
    ...over,
  });
  const idOf = (s: Pick<RunSpec, "platform" | "node_cores" | "platform_identity">): string =>
    campaignId(campaignIdentityOf(s, config as Parameters<typeof campaignIdentityOf>[1], generator));

  it("takes the platform's limits from platform_identity: another maxReplicas or queueDepth is another campaign", () => {
    const base = idOf(spec({}));
    expect(idOf(spec({ platform_identity: { kind: "local", node_cores: 2, max_replicas: 8, queue_depth: 32 } }))).not.toBe(base);
    expect(idOf(spec({ platform_identity: { kind: "local", node_cores: 2, max_replicas: 4, queue_depth: 64 } }))).not.toBe(base);
    expect(idOf(spec({ platform_identity: { queue_depth: 32, max_replicas: 4, node_cores: 2, kind: "local" } }))).toBe(base);
  });

  it("always holds the spec's platform and node cores, also for a spec without platform_identity", () => {
    const identity = campaignIdentityOf(spec({ platform_identity: undefined }), config as Parameters<typeof campaignIdentityOf>[1], generator);
    expect(identity.platform).toEqual({ kind: "local", node_cores: 2 });
    expect(idOf(spec({ platform_identity: undefined, node_cores: 4 }))).not.toBe(idOf(spec({ platform_identity: undefined })));
    expect(identity.loadgen).toEqual({ ...generator, request_timeout: "30s" });
  });

  it("holds the early-abort rule only when it is on: another rule is another campaign, the check interval is not", () => {
    const withAbort = (over: Partial<typeof config.early_abort>): string =>
      campaignId(campaignIdentityOf(spec({}), { ...config, early_abort: { ...config.early_abort, ...over } } as Parameters<typeof campaignIdentityOf>[1], generator));
    const off = idOf(spec({}));
    expect(withAbort({ min_share: 0.5 })).toBe(off); // off: its limits change nothing
    const on = withAbort({ enabled: true });
    expect(on).not.toBe(off);
    expect(withAbort({ enabled: true, min_share: 0.5 })).not.toBe(on);
    expect(withAbort({ enabled: true, min_requests: 100 })).not.toBe(on);
    expect(withAbort({ enabled: true, check_interval_seconds: 2 })).toBe(on);
  });
});

describe("run spec: platform_identity", () => {
  const spec = {
    schema: "peva-faas-run-spec/v1",
    run_id: "local-20260101-000000-beef",
    host: "localhost",
    workdir: "/w",
    results_dir: "/w/results",
    run_dir: "/w/runs/r",
    platform: "local",
    gateway: { url: "http://127.0.0.1:8080", password_file: "/w/runs/r/gateway-password" },
    prometheus: { url: "http://127.0.0.1:9090" },
    node_cores: 2,
    settings: {},
  };
  const issues = (raw: object): string[] => {
    const parsed = runSpecSchema.safeParse(raw);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("is optional: a spec written before it existed is still valid", () => {
    expect(issues(spec)).toEqual([]);
    expect(issues({ ...spec, platform_identity: { kind: "local", node_cores: 2, max_replicas: 4, remote: false } })).toEqual([]);
  });

  it("must describe the spec's own platform and node, and hold flat values only", () => {
    expect(issues({ ...spec, platform_identity: { kind: "openfaas" } })).toEqual(["platform_identity.kind: must be the spec's platform (local)"]);
    expect(issues({ ...spec, platform_identity: { node_cores: 4 } })).toEqual(["platform_identity.node_cores: must be the spec's node_cores (2)"]);
    expect(issues({ ...spec, platform_identity: { limits: { replicas: 4 } } })).toHaveLength(1);
  });
});

import { describe, expect, it } from "vitest";
import { parseWorkloadConfig } from "../../src/config/index.ts";
import { runMetadata } from "../../src/runner/run-metadata.ts";
import { RUN_SPEC_SCHEMA, type RunSpec } from "../../src/runner/spec.ts";

const spec = (extra: Partial<RunSpec>): RunSpec => ({
  schema: RUN_SPEC_SCHEMA,
  run_id: "r1",
  host: "local",
  workdir: "/w",
  results_dir: "/w/r",
  run_dir: "/w/runs/r1",
  platform: "local",
  gateway: { url: "http://127.0.0.1:8080", user: "admin", password_file: "/w/runs/r1/gateway-password" },
  prometheus: { url: "http://127.0.0.1:9090" },
  node_cores: 2,
  settings: {},
  ...extra,
});
const generator = { name: "vegeta", version: "v12.13.0", settings: {} };
const config = parseWorkloadConfig({}).config;

describe("run.json", () => {
  it("records the platform's size and versions the campaign identity hashed", () => {
    const identity = { kind: "local", node_cores: 2, max_replicas: 4, queue_depth: 32 };
    expect(runMetadata({ spec: spec({ platform_identity: identity }), campaignId: "campaign-x", generator, config })).toMatchObject({
      campaign_id: "campaign-x",
      platform: "local",
      platform_identity: identity,
    });
    expect(runMetadata({ spec: spec({}), campaignId: "campaign-x", generator, config })).not.toHaveProperty("platform_identity");
  });
});

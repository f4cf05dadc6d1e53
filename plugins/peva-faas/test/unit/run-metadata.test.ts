import { describe, expect, it } from "vitest";
import { parseWorkloadConfig } from "../../src/config/index.ts";
import { runMetadata } from "../../src/runner/run-metadata.ts";
import type { RunSpec } from "../../src/runner/spec.ts";
import { runSpecFixture } from "./support/fixtures.ts";

const spec = (extra: Partial<RunSpec>): RunSpec => runSpecFixture(extra);
const generator = { name: "vegeta", version: "v12.13.0", settings: {} };
const config = parseWorkloadConfig({}).config;

describe("run.json", () => {
  it("records the platform's size and versions the campaign identity hashed", () => {
    const identity = { kind: "local", node_cores: 2, max_replicas: 4, queue_depth: 32 };
    expect(runMetadata({ spec: spec({ platform_identity: identity }), campaignId: "campaign-x", generator, config, functionImages: {} })).toMatchObject({
      campaign_id: "campaign-x",
      platform: "local",
      platform_identity: identity,
    });
    expect(runMetadata({ spec: spec({}), campaignId: "campaign-x", generator, config, functionImages: {} })).not.toHaveProperty("platform_identity");
  });

  it("records the image of each function as the gateway listed it", () => {
    const functionImages = { figlet: "ghcr.io/openfaas/figlet:latest" };
    expect(runMetadata({ spec: spec({}), campaignId: "campaign-x", generator, config, functionImages })["function_images"]).toEqual(functionImages);
  });
});

/** Test support for unit tests: the issues a workload config gets, and a valid run spec to vary. */
import { ConfigError, parseWorkloadConfig } from "../../../src/config/index.ts";
import { RUN_SPEC_SCHEMA, type RunSpec } from "../../../src/runner/spec.ts";

/** The issues `parseWorkloadConfig` reports for `input` (`<path>: <message>`), none when it is valid. */
export function configIssues(input: unknown): string[] {
  try {
    parseWorkloadConfig(input);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.issues];
  }
}

/** A valid run spec of run `r1` under `/w`, with `overrides` applied. */
export function runSpecFixture(overrides: Partial<RunSpec> = {}): RunSpec {
  return {
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
    ...overrides,
  };
}

/**
 * `@peva-lab/core`: the plugin framework — contracts per plugin type, discovery, registry, version rule,
 * errors, lifecycle, dependency ordering, config validation, extras resolution and the teardown path guard.
 */
export * from "./plugin-type.ts";
export * from "./version.ts";
export * from "./errors.ts";
export * from "./health.ts";
export * from "./logger.ts";
export * from "./resources.ts";
export * from "./contracts/plugin.ts";
export * from "./contracts/workload.ts";
export * from "./contracts/platform.ts";
export * from "./contracts/provisioner.ts";
export * from "./contracts/loadgen.ts";
export * from "./contracts/loadgen-check.ts";
export * from "./contracts/telemetry.ts";
export * from "./contracts/memory.ts";
export * from "./contracts/policy.ts";
export * from "./contracts/compute.ts";
export * from "./compute/errors.ts";
export * from "./compute/governance.ts";
export * from "./compute/telemetry.ts";
export * from "./contracts/catalog.ts";
export * from "./contracts/secrets.ts";
export * from "./contracts/reporter.ts";
export * from "./contracts/members.ts";
export * from "./manifest.ts";
export * from "./discovery.ts";
export * from "./loader.ts";
export * from "./config.ts";
export * from "./dependencies.ts";
export * from "./lifecycle.ts";
export * from "./registry.ts";
export * from "./extras.ts";
export * from "./preflight.ts";
export * from "./quote.ts";
export * from "./path-guard.ts";
export * from "./cli/package-root.ts";
export * from "./cli/rows.ts";
export * from "./cli/format.ts";
export * from "./cli/plugins-command.ts";

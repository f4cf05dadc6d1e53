/**
 * `@peva-lab/loadgen-k6`: the optional k6 load generator. It drives a k6 the user installed (k6 is AGPL-3.0 and
 * is never built, downloaded or bundled by peva-lab). The default export of `plugin.ts` is the plugin class.
 */
export { default as K6Loadgen, HANG_MARGIN_SECONDS } from "./plugin.ts";
export * from "./settings.ts";
export * from "./ids.ts";
export * from "./summary-builder.ts";
export * from "./script.ts";
export * from "./summary.ts";
export * from "./argv.ts";
export * from "./process.ts";
export * from "./probe.ts";

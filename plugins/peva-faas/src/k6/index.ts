/** k6: script generation, summary parsing, command line, runner. */
export * from "./ids.ts";
export * from "./summary-builder.ts";
export * from "./script.ts";
export * from "./summary.ts";
export * from "./argv.ts";
export * from "./runner.ts";

/** Workload configuration: schema, parsing, rate strategies, durations, URL templating. */
export * from "./duration.ts";
export * from "./rates.ts";
export * from "./schema.ts";
export * from "./parse.ts";
export * from "./load.ts";

/** Prometheus: query files, client, value extraction, window planning, metric collection. */
export * from "./queries.ts";
export * from "./values.ts";
export * from "./window.ts";
export * from "./client.ts";
export * from "./collect.ts";
export * from "./files.ts";
export * from "./series-check.ts";

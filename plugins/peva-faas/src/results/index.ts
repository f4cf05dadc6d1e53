/** Result files: columns, row builders, CSV formatting, incremental writers, file naming. */
export * from "./csv.ts";
export * from "./columns.ts";
export * from "./rows.ts";
export * from "./naming.ts";
export * from "./writer.ts";
export * from "./dfaas-export.ts";

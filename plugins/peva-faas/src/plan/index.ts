/** Campaign planning: enumeration, counting, estimates, dominance, dry-run table. */
export * from "./enumerate.ts";
export * from "./estimate.ts";
export * from "./dominance.ts";
export * from "./plan.ts";

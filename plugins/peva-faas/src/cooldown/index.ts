/** Cooldown between iterations: idle test and the bounded wait loop. */
export * from "./decide.ts";
export * from "./manager.ts";

/**
 * `@peva-lab/peva-faas/runner`: what a controller needs to drive the campaign runner on a runner host — the run
 * spec it ships, the event stream it follows, the summary it shows, and the verification of a retrieved memory.
 */
export * from "./events.ts";
export * from "./spec.ts";
export * from "./summary.ts";
export * from "./retrieve.ts";
export { memoryLocations } from "./memory-locations.ts";
export * from "./liveness.ts";

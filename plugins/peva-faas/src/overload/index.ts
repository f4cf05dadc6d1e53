/** Overload rules for functions, the node and configurations. */
export * from "./rules.ts";
export * from "./early-abort.ts";

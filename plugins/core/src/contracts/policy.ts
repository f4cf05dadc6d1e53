/** Contract of `policy` plugins: decide whether to run, skip, or stop before each configuration. */
import type { RunRecord } from "./memory.ts";
import { Plugin } from "./plugin.ts";

/** What a policy sees. */
export interface PolicyInput {
  readonly configId: string;
  readonly history: readonly RunRecord[];
}

/** What a policy decides, and why (the reason ends up in `skipped.csv`). */
export interface PolicyDecision {
  readonly action: "run" | "skip" | "stop";
  readonly reason: string;
}

/** A scheduling policy (dominance, overload rules, …). Pure. */
export abstract class PolicyPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "policy" as const;
  /** Decides for one configuration. */
  abstract decide(input: PolicyInput): PolicyDecision;
}

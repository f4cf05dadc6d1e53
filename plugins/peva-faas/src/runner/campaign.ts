/**
 * Campaign identity and the frontier summary. A campaign is what makes measurements comparable: the platform with
 * its node size, limits and versions, the functions and their requests, the load duration, the iterations, the
 * overload rules, the load generator with its version and settings (a figure from vegeta is never reused as
 * k6's, one measured with 4 replicas never as one with 8), and the early-abort rule when it is on. Rates and combinations are NOT part of it, so widening
 * the rate grid reuses what the memory already holds.
 */
import { createHash } from "node:crypto";
import type { GeneratorIdentity } from "@peva-lab/core";
import type { WorkloadConfig } from "../config/parse.ts";
import type { Configuration } from "../model.ts";
import type { RunSpec } from "./spec.ts";

/**
 * The platform under test: its kind (`local`, `openfaas`), the cores of its node, and whatever else the controller
 * knows that changes what a measurement means (replica and queue limits, memory, pinned versions; see the run
 * spec's `platform_identity`).
 */
export interface PlatformOfCampaign {
  readonly kind: string;
  readonly [key: string]: string | number | boolean;
}

/** The inputs that define a campaign. */
export interface CampaignIdentity {
  readonly platform: PlatformOfCampaign;
  readonly functions: readonly { name: string; method: string; body: string; headers: Readonly<Record<string, string>> }[];
  readonly duration: string;
  readonly iterations: number;
  readonly overload: Readonly<Record<string, number>>;
  /** The load generator: plugin name, tool version, its settings and the request timeout. */
  readonly loadgen: {
    readonly name: string;
    readonly version: string;
    readonly settings: Readonly<Record<string, string | number | boolean>>;
    readonly request_timeout: string;
  };
  /**
   * The early-abort rule when it is on: an aborted iteration's window is shorter than the duration, so its figures
   * mean something else. Absent when off (campaign ids from before the rule existed stay the same). Deciding
   * configurations early is not here: it changes how many iterations run, never what one measures or a verdict.
   */
  readonly early_abort?: { readonly min_share: number; readonly min_requests: number };
}

/** `campaign-<16 hex>`: sha256 over the canonical JSON of the identity. */
export function campaignId(identity: CampaignIdentity): string {
  const canonical = {
    platform: Object.fromEntries(Object.entries(identity.platform).sort(byKey)),
    functions: [...identity.functions]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((f) => ({ name: f.name, method: f.method, body: f.body, headers: Object.fromEntries(Object.entries(f.headers).sort(byKey)) })),
    duration: identity.duration,
    iterations: identity.iterations,
    overload: Object.fromEntries(Object.entries(identity.overload).sort(byKey)),
    loadgen: {
      name: identity.loadgen.name,
      version: identity.loadgen.version,
      settings: Object.fromEntries(Object.entries(identity.loadgen.settings).sort(byKey)),
      request_timeout: identity.loadgen.request_timeout,
    },
    ...(identity.early_abort ? { early_abort: { min_share: identity.early_abort.min_share, min_requests: identity.early_abort.min_requests } } : {}),
  };
  return `campaign-${createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 16)}`;
}

/** Entries by key (keys of one object are distinct, so the values never decide). */
function byKey(a: readonly [string, unknown], b: readonly [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * The identity of the campaign a run spec and its workload config describe, measured with `generator`. The
 * platform is the spec's `platform_identity` (absent in specs written before it existed) under the spec's own
 * `platform` and `node_cores`, which the spec schema keeps consistent with it.
 */
export function campaignIdentityOf(
  spec: Pick<RunSpec, "platform" | "node_cores" | "platform_identity">,
  config: Pick<WorkloadConfig, "functions" | "duration" | "iterations" | "overload" | "loadgen" | "early_abort">,
  generator: GeneratorIdentity,
): CampaignIdentity {
  return {
    platform: { ...spec.platform_identity, kind: spec.platform, node_cores: spec.node_cores },
    functions: config.functions,
    duration: config.duration,
    iterations: config.iterations,
    overload: { ...config.overload },
    loadgen: { name: generator.name, version: generator.version, settings: generator.settings, request_timeout: config.loadgen.request_timeout },
    ...(config.early_abort.enabled ? { early_abort: { min_share: config.early_abort.min_share, min_requests: config.early_abort.min_requests } } : {}),
  };
}

/** A verdict on a completed configuration. */
export interface Judged {
  readonly config: Configuration;
  readonly overloaded: boolean;
}

/** A function set as the frontier and the summary name it: its function names, sorted, joined by `+`. */
export function functionSetLabel(config: Configuration): string {
  return config.pairs.map((p) => p.name).join("+");
}

/**
 * Per function set, the non-overloaded configurations that no other non-overloaded one dominates (the highest
 * rate vectors that did not overload). Configurations with every rate 0 are left out.
 */
export function frontierOf(verdicts: readonly Judged[]): { functions: string; rates: Record<string, number> }[] {
  const bySet = new Map<string, Configuration[]>();
  for (const v of verdicts) {
    if (v.overloaded || v.config.pairs.every((p) => p.rate === 0)) continue;
    const key = functionSetLabel(v.config);
    const list = bySet.get(key) ?? [];
    list.push(v.config);
    bySet.set(key, list);
  }
  const out: { functions: string; rates: Record<string, number> }[] = [];
  for (const [functions, configs] of [...bySet].sort(([a], [b]) => a.localeCompare(b))) {
    for (const c of configs) {
      const dominated = configs.some(
        (o) => o !== c && o.pairs.every((p, i) => p.rate >= c.pairs[i]!.rate) && o.pairs.some((p, i) => p.rate > c.pairs[i]!.rate),
      );
      if (!dominated) out.push({ functions, rates: Object.fromEntries(c.pairs.map((p) => [p.name, p.rate])) });
    }
  }
  return out;
}

/**
 * Campaign identity and the frontier summary. A campaign is what makes measurements comparable: the platform,
 * the functions and their requests, the load duration, the iterations, the overload rules, and the load generator
 * with its version and settings (a figure from vegeta is never reused as k6's). Rates and combinations are NOT
 * part of it, so widening the rate grid reuses what the memory already holds.
 */
import { createHash } from "node:crypto";
import type { Configuration } from "../model.ts";

/** The inputs that define a campaign. */
export interface CampaignIdentity {
  readonly platform: string;
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
}

/** `campaign-<16 hex>`: sha256 over the canonical JSON of the identity. */
export function campaignId(identity: CampaignIdentity): string {
  const canonical = {
    platform: identity.platform,
    functions: [...identity.functions]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((f) => ({ name: f.name, method: f.method, body: f.body, headers: Object.fromEntries(Object.entries(f.headers).sort()) })),
    duration: identity.duration,
    iterations: identity.iterations,
    overload: Object.fromEntries(Object.entries(identity.overload).sort()),
    loadgen: {
      name: identity.loadgen.name,
      version: identity.loadgen.version,
      settings: Object.fromEntries(Object.entries(identity.loadgen.settings).sort()),
      request_timeout: identity.loadgen.request_timeout,
    },
  };
  return `campaign-${createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 16)}`;
}

/** A verdict on a completed configuration. */
export interface Judged {
  readonly config: Configuration;
  readonly overloaded: boolean;
}

/**
 * Per function set, the non-overloaded configurations that no other non-overloaded one dominates (the highest
 * rate vectors that did not overload). Configurations with every rate 0 are left out.
 */
export function frontierOf(verdicts: readonly Judged[]): { functions: string; rates: Record<string, number> }[] {
  const bySet = new Map<string, Configuration[]>();
  for (const v of verdicts) {
    if (v.overloaded || v.config.pairs.every((p) => p.rate === 0)) continue;
    const key = v.config.pairs.map((p) => p.name).join("+");
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

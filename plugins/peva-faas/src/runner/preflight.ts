/**
 * Preflight before any load: the plugin's extras import, k6 is on PATH, the gateway answers with our credentials
 * and Prometheus is ready. Each miss names what is missing and the command that fixes it.
 */
import { delimiter } from "node:path";
import { findOnPath } from "@peva-lab/core";
import { fetchReplicas, type GatewayAuth } from "./gateway.ts";

/** Runs every check and throws one error listing every problem. Returns the k6 path. */
export async function preflight(opts: { gatewayUrl: string; auth: GatewayAuth; prometheusUrl: string }): Promise<{ k6Path: string }> {
  const problems: string[] = [];
  for (const extra of ["@duckdb/node-api", "apache-arrow"]) {
    try {
      await import(extra);
    } catch {
      problems.push(`the extra '${extra}' does not import; run: npm ci --omit=dev --workspace @peva-lab/peva-faas`);
    }
  }
  const k6Path = findOnPath("k6", (process.env["PATH"] ?? "").split(delimiter).filter(Boolean));
  if (!k6Path) problems.push("k6 is not on PATH; run: make bootstrap (or scripts/bootstrap)");
  try {
    await fetchReplicas(opts.gatewayUrl, opts.auth);
  } catch (e) {
    problems.push(`gateway ${opts.gatewayUrl} is not usable: ${(e as Error).message}`);
  }
  try {
    const res = await fetch(`${opts.prometheusUrl.replace(/\/+$/, "")}/-/ready`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) problems.push(`Prometheus ${opts.prometheusUrl} is not ready (HTTP ${res.status})`);
  } catch (e) {
    problems.push(`Prometheus ${opts.prometheusUrl} is unreachable: ${(e as Error).message}`);
  }
  if (problems.length > 0) throw new Error(`preflight failed:\n  ${problems.join("\n  ")}`);
  return { k6Path: k6Path! };
}

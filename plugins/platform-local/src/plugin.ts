/**
 * The `platform-local` plugin: the embedded OpenFaaS-compatible gateway on loopback (no Kubernetes). The gateway
 * itself runs as its own process (`peva-local-gateway`, see `gateway-main.ts`); this class tells the framework where
 * it and Prometheus are, which PromQL queries measure it, and how to start it.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { healthStatus, PlatformPlugin, type HealthStatus, type PlatformEndpoints } from "@peva-lab/core";
import { z } from "zod";
import { FUNCTION_NAMES } from "./functions.ts";

/** Config of the plugin (the stack's `platform` block with `type: local`, plus where things listen). */
export const localPlatformConfigSchema = z
  .object({
    type: z.literal("local").optional().describe("The stack config's discriminator; accepted and ignored."),
    gatewayUrl: z.url().default("http://127.0.0.1:8080").describe("Gateway base URL, unless readyFile says otherwise."),
    prometheusUrl: z.url().default("http://127.0.0.1:9090").describe("Prometheus base URL scraping the gateway."),
    readyFile: z.string().min(1).optional().describe("The gateway's ready file; when present its url wins over gatewayUrl."),
    maxReplicas: z.number().int().min(1).max(64).default(4).describe("Upper bound of replicas per function."),
    queueDepth: z.number().int().min(1).max(10_000).default(32).describe("Requests queued per replica before 429."),
    functions: z.array(z.enum(FUNCTION_NAMES)).min(1).default([...FUNCTION_NAMES]).describe("Functions to deploy."),
  })
  .strict();

/** Validated config of the plugin. */
export type LocalPlatformConfig = z.output<typeof localPlatformConfigSchema>;

const DEFAULTS: LocalPlatformConfig = localPlatformConfigSchema.parse({});

/** Absolute path of the gateway CLI. */
export const GATEWAY_MAIN = fileURLToPath(new URL("./gateway-main.ts", import.meta.url));

/** The `platform-local` plugin. */
export default class LocalPlatformPlugin extends PlatformPlugin<LocalPlatformConfig> {
  readonly name = "platform-local";
  readonly version = "0.1.0";
  readonly apiVersion = "1.0";
  override readonly description = "OpenFaaS-compatible gateway on loopback running real functions in worker processes";
  override readonly requiredExtras = ["figlet", "marked", "qrcode"];
  override readonly requiredTools = ["prometheus", "prometheus-node-exporter"];
  override readonly configSchema = localPlatformConfigSchema;

  /** Gateway URL (from the ready file when configured and present) and Prometheus URL. */
  endpoints(): PlatformEndpoints {
    const c = this.config ?? DEFAULTS;
    return { gatewayUrl: readyUrl(c.readyFile) ?? c.gatewayUrl, prometheusUrl: c.prometheusUrl };
  }

  /** The PromQL queries for this platform's metric names. */
  queriesFile(): string {
    return fileURLToPath(new URL("../queries/local.yml", import.meta.url));
  }

  /**
   * argv that starts the gateway with this config (run it with Node ≥ 22.18 on PATH): for the component that
   * supervises the process.
   */
  gatewayCommand(paths: { readonly passwordFile: string; readonly readyFile: string; readonly port?: number }): string[] {
    const c = this.config ?? DEFAULTS;
    return [
      process.execPath,
      GATEWAY_MAIN,
      "--host",
      "127.0.0.1",
      "--port",
      String(paths.port ?? 0),
      "--functions",
      c.functions.join(","),
      "--max-replicas",
      String(c.maxReplicas),
      "--queue-depth",
      String(c.queueDepth),
      "--password-file",
      paths.passwordFile,
      "--ready-file",
      paths.readyFile,
    ];
  }

  /** Healthy when the gateway answers `/healthz` within 2 s. */
  override async healthCheck(): Promise<HealthStatus> {
    const { gatewayUrl } = this.endpoints();
    try {
      const res = await fetch(`${gatewayUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return res.ok ? healthStatus("healthy") : healthStatus("unhealthy", `${gatewayUrl}/healthz answered ${res.status}`);
    } catch (e) {
      return healthStatus("unhealthy", `${gatewayUrl}/healthz: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function readyUrl(readyFile: string | undefined): string | undefined {
  if (readyFile === undefined || !existsSync(readyFile)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(readyFile, "utf8")) as { url?: unknown };
    return typeof parsed.url === "string" ? parsed.url : undefined;
  } catch {
    // Written atomically, so a parse error means a foreign file; fall back to the configured URL.
    return undefined;
  }
}

/** Contract of `platform` plugins: the FaaS platform under test (OpenFaaS on k3s, `platform-local`, …). */
import { Plugin } from "./plugin.ts";

/** Where the platform is reached. */
export interface PlatformEndpoints {
  /** OpenFaaS-compatible gateway, e.g. `http://127.0.0.1:8080` (`/function/<name>`, `/system/functions`). */
  readonly gatewayUrl: string;
  /** Prometheus HTTP API base, e.g. `http://127.0.0.1:9090`. */
  readonly prometheusUrl: string;
}

/** A FaaS platform: its endpoints and the PromQL queries that measure it. */
export abstract class PlatformPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "platform" as const;
  /** Gateway and Prometheus endpoints of the running platform. */
  abstract endpoints(): PlatformEndpoints;
  /** Absolute path of the YAML file holding this platform's PromQL queries. */
  abstract queriesFile(): string;
}

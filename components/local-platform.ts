/**
 * `LocalPlatform`: the embedded FaaS platform of the `local` stack, as a dynamic resource. Create starts the
 * OpenFaaS-compatible gateway (plugin `platform-local`), node-exporter and a Prometheus scraping both, detached,
 * with pid files under the stack's state dir, and waits until all are healthy and Prometheus has samples. Delete
 * stops exactly those processes. Refresh notices when they are gone.
 */
import * as pulumi from "@pulumi/pulumi";
import { forwardingProvider } from "./dynamic-impl.ts";
import type * as Impl from "./local-platform-provider.ts";

/** Inputs of {@link LocalPlatform}. */
export interface LocalPlatformArgs {
  /** State directory relative to the project (pid files, logs, Prometheus data). */
  readonly stateDir: string;
  readonly maxReplicas: number;
  readonly queueDepth: number;
}

/** Behaviour version of the provider; bump it to reach existing stacks after a change. */
export const LOCAL_PLATFORM_PROVIDER_VERSION = "1";

const provider = forwardingProvider<Impl.LocalPlatformInputs, Impl.LocalPlatformOutputs>("components/local-platform-provider.ts");

/** The local platform's processes and endpoints. */
export class LocalPlatform extends pulumi.dynamic.Resource {
  declare public readonly gatewayUrl: pulumi.Output<string>;
  declare public readonly prometheusUrl: pulumi.Output<string>;
  declare public readonly nodeExporterUrl: pulumi.Output<string>;
  declare public readonly ports: pulumi.Output<{ gateway: number; nodeExporter: number; prometheus: number }>;
  declare public readonly processes: pulumi.Output<Record<string, { pid: number; marker: string }>>;
  /** Basic-auth password of the gateway (user `admin`); a secret. */
  declare public readonly gatewayPassword: pulumi.Output<string>;

  constructor(name: string, args: LocalPlatformArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        ...args,
        providerVersion: LOCAL_PLATFORM_PROVIDER_VERSION,
        gatewayUrl: undefined,
        prometheusUrl: undefined,
        nodeExporterUrl: undefined,
        ports: undefined,
        processes: undefined,
        gatewayPassword: undefined,
      },
      { ...opts, additionalSecretOutputs: ["gatewayPassword"] },
      "peva-lab",
      "LocalPlatform",
    );
  }
}

/**
 * `OpenFaasPlatform`: OpenFaaS CE (pinned chart) and Prometheus + node-exporter (pinned images) on k3s. The gateway
 * password is a secret passed through the environment, never in command text. A chart version or gateway port
 * change is a `helm upgrade` in place (the install command is also the update command), never a replacement, which
 * would run the old resource's `helm uninstall` right after installing the new chart and leave no gateway.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { openfaasInstall, openfaasUninstall, prometheusApply, prometheusManifest } from "../plan/commands.ts";
import type { SshConnection } from "./k3s-cluster.ts";

/** Inputs of {@link OpenFaasPlatform}. */
export interface OpenFaasPlatformArgs {
  readonly connection: SshConnection;
  readonly chartVersion: string;
  readonly gatewayPort: number;
  readonly prometheusPort: number;
  readonly prometheusImage: string;
  readonly nodeExporterImage: string;
  readonly gatewayPassword: pulumi.Input<string>;
}

/** OpenFaaS and its Prometheus on k3s. */
export class OpenFaasPlatform extends pulumi.ComponentResource {
  /** Gateway URL as seen from the runner. */
  public readonly gatewayUrl: pulumi.Output<string>;
  /** Prometheus URL as seen from the runner. */
  public readonly prometheusUrl: pulumi.Output<string>;

  constructor(name: string, args: OpenFaasPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:platform:OpenFaasPlatform", name, {}, opts);
    const openfaas = new command.remote.Command(
      `${name}-openfaas`,
      {
        connection: args.connection,
        create: openfaasInstall(args.chartVersion, args.gatewayPort),
        update: openfaasInstall(args.chartVersion, args.gatewayPort),
        delete: openfaasUninstall(),
        environment: { PEVA_GATEWAY_PASSWORD: pulumi.secret(args.gatewayPassword) },
      },
      { parent: this },
    );
    new command.remote.Command(
      `${name}-prometheus`,
      {
        connection: args.connection,
        create: prometheusApply(),
        stdin: prometheusManifest({
          prometheusImage: args.prometheusImage,
          nodeExporterImage: args.nodeExporterImage,
          nodePort: args.prometheusPort,
        }),
      },
      { parent: this, dependsOn: [openfaas] },
    );
    this.gatewayUrl = pulumi.interpolate`http://${args.connection.host}:${args.gatewayPort}`;
    this.prometheusUrl = pulumi.interpolate`http://${args.connection.host}:${args.prometheusPort}`;
    this.registerOutputs({ gatewayUrl: this.gatewayUrl, prometheusUrl: this.prometheusUrl });
  }
}

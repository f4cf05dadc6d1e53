/**
 * `K3sCluster`: a pinned k3s release on the `k3s` host, installed over SSH; destroy uninstalls it.
 */
import * as command from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import { ComponentResource } from "@pulumi/pulumi";
import { k3sInstall, k3sUninstall } from "../plan/commands.ts";

/** SSH connection to a host; the key is a secret. */
export interface SshConnection {
  readonly host: pulumi.Input<string>;
  readonly user: string;
  readonly port: number;
  readonly privateKey: pulumi.Input<string>;
}

/** Inputs of {@link K3sCluster}. */
export interface K3sClusterArgs {
  readonly connection: SshConnection;
  readonly version: string;
}

/** k3s on one node. */
export class K3sCluster extends ComponentResource {
  /** The install command resource, for ordering what runs on the cluster. */
  public readonly ready: command.remote.Command;

  constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:platform:K3sCluster", name, {}, opts);
    this.ready = new command.remote.Command(
      `${name}-install`,
      {
        connection: args.connection,
        create: k3sInstall(args.version),
        delete: k3sUninstall(),
        triggers: [args.version],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

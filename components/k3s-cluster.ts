/**
 * `K3sCluster`: a pinned k3s release on the `platform` host, installed over SSH; destroy uninstalls it. A version change
 * upgrades in place (the install command is also the update command), never by replacement: a replacement would
 * either uninstall after installing the new version (create-before-delete: no cluster left) or, delete-first, wipe
 * the cluster with OpenFaaS and the functions on it while those resources stayed in the state as if installed.
 */
import * as command from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import { ComponentResource } from "@pulumi/pulumi";
import { coresFromK3sInstall, k3sInstall, k3sUninstall } from "../plan/commands.ts";

/** SSH connection to a host; the key is a secret. */
export interface SshConnection {
  readonly host: pulumi.Input<string>;
  readonly user: string;
  readonly port: number;
  readonly privateKey: pulumi.Input<string>;
  /** The host's pinned public key (`ssh-ed25519 AAAA…`); a host presenting another key is refused. */
  readonly hostKey?: pulumi.Input<string>;
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
  /** The node's CPU count, as the install reports it. */
  public readonly cores: pulumi.Output<number>;

  constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:platform:K3sCluster", name, {}, opts);
    this.ready = new command.remote.Command(
      `${name}-install`,
      {
        connection: args.connection,
        create: k3sInstall(args.version),
        update: k3sInstall(args.version),
        delete: k3sUninstall(),
      },
      { parent: this },
    );
    this.cores = this.ready.stdout.apply(coresFromK3sInstall);
    this.registerOutputs({ cores: this.cores });
  }
}

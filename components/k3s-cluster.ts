/**
 * `K3sCluster`: a pinned k3s release on the `platform` host, installed over SSH; destroy uninstalls it. Its
 * kubeconfig, pointed at the host, is a secret output, and the `kubernetes` provider built from it is what every
 * resource on the cluster uses. A version change
 * upgrades in place (the install command is also the update command), never by replacement: a replacement would
 * either uninstall after installing the new version (create-before-delete: no cluster left) or, delete-first, wipe
 * the cluster with OpenFaaS and the functions on it while those resources stayed in the state as if installed.
 */
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { coresFromK3sInstall, k3sInstall, k3sKubeconfig, k3sUninstall } from "../plan/commands.ts";
import { kubeconfigForAddress } from "../plan/openfaas-cluster.ts";

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
  /**
   * The resource whose delete removes the host itself (a Multipass VM): k3s is then not uninstalled first, so a
   * destroy passes even when the VM is already gone. Absent for hosts that outlive the lab (`lab-*`).
   */
  readonly deletedWith?: pulumi.Resource;
}

/** k3s on one node. */
export class K3sCluster extends pulumi.ComponentResource {
  /** The install command resource, for ordering what runs on the cluster. */
  public readonly ready: command.remote.Command;
  /** The node's CPU count, as the install reports it. */
  public readonly cores: pulumi.Output<number>;
  /** The cluster's admin kubeconfig with its server at the host's address: a secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** The Kubernetes provider for this cluster. */
  public readonly provider: k8s.Provider;

  constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:platform:K3sCluster", name, {}, opts);
    const install = pulumi.output(args.connection.host).apply((address) => k3sInstall(args.version, address));
    this.ready = new command.remote.Command(
      `${name}-install`,
      { connection: args.connection, create: install, update: install, delete: k3sUninstall() },
      { parent: this, ...(args.deletedWith ? { deletedWith: args.deletedWith } : {}) },
    );
    this.cores = this.ready.stdout.apply(coresFromK3sInstall);
    // Read again whenever the install runs again (an upgrade may rotate what it holds); never logged, a secret in state.
    const read = new command.remote.Command(
      `${name}-kubeconfig`,
      { connection: args.connection, create: k3sKubeconfig(), triggers: [this.ready.id, install], logging: "none" },
      { parent: this, dependsOn: [this.ready], additionalSecretOutputs: ["stdout"] },
    );
    this.kubeconfig = pulumi.secret(pulumi.all([read.stdout, args.connection.host]).apply(([yaml, address]) => kubeconfigForAddress(yaml, address)));
    // A cluster already gone (its VM deleted) must not block a destroy: its resources are dropped from the state.
    this.provider = new k8s.Provider(name, { kubeconfig: this.kubeconfig, deleteUnreachable: true }, { parent: this });
    this.registerOutputs({ cores: this.cores, kubeconfig: this.kubeconfig });
  }
}

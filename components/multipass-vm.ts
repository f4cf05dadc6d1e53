/**
 * `MultipassVm`: one VM created with Multipass on the controller (the `dev` stack). Its IPv4 address is an output.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { addressFromMultipassInfo, multipassDelete, multipassLaunch } from "../plan/commands.ts";

/** Inputs of {@link MultipassVm}. */
export interface MultipassVmArgs {
  readonly vm: { cpus: number; memoryGb: number; diskGb: number; image: string };
  /** SSH private key (secret) whose public half is authorised in the VM. */
  readonly sshPrivateKey: pulumi.Input<string>;
}

/** A Multipass VM. */
export class MultipassVm extends pulumi.ComponentResource {
  /** The VM's IPv4 address. */
  public readonly address: pulumi.Output<string>;

  constructor(name: string, args: MultipassVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:hosts:MultipassVm", name, {}, opts);
    const launch = new command.local.Command(
      `${name}-launch`,
      {
        create: multipassLaunch(name, args.vm),
        delete: multipassDelete(name),
        environment: { PEVA_SSH_PRIVATE_KEY: pulumi.secret(args.sshPrivateKey) },
      },
      { parent: this },
    );
    this.address = launch.stdout.apply((s) => addressFromMultipassInfo(name, s));
    this.registerOutputs({ address: this.address });
  }
}

/**
 * `MultipassVm`: one VM created with Multipass on the controller (the `dev` stack). Its IPv4 address is an output.
 * A size or image change replaces the VM, deleting the old one first: the new one takes the same name, and a
 * running VM cannot be resized by `multipass launch`. Any other change (the SSH key, the delete command) is an
 * in-place update that never launches.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { addressFromMultipassInfo, multipassDelete, multipassLaunch, multipassUpdate } from "../plan/commands.ts";

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
  /** The launch's resource id: changes when the VM is created again (its SSH host keys change with it). */
  public readonly identity: pulumi.Output<string>;
  /** The resource whose delete removes the VM: what only lives on the VM is deleted with it (`deletedWith`). */
  public readonly instance: command.local.Command;

  constructor(name: string, args: MultipassVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:hosts:MultipassVm", name, {}, opts);
    const launch = (this.instance = new command.local.Command(
      `${name}-launch`,
      {
        create: multipassLaunch(name, args.vm),
        update: multipassUpdate(name),
        delete: multipassDelete(name),
        environment: { PEVA_SSH_PRIVATE_KEY: pulumi.secret(args.sshPrivateKey) },
        triggers: [args.vm.cpus, args.vm.memoryGb, args.vm.diskGb, args.vm.image],
      },
      { parent: this, deleteBeforeReplace: true },
    ));
    this.address = launch.stdout.apply((s) => addressFromMultipassInfo(name, s));
    this.identity = launch.id;
    this.registerOutputs({ address: this.address });
  }
}

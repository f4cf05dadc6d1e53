/**
 * `HostKeyPin`: the SSH host keys of one lab host, pinned. From the stack config when given there; otherwise
 * recorded on first use (`ssh-keyscan`) and kept in the stack's state, so a host whose key later changes is refused
 * by every connection (runner setup, platform installs, the campaign transport) instead of trusted silently.
 */
import * as pulumi from "@pulumi/pulumi";
import { forwardingProvider } from "./dynamic-impl.ts";
import type * as Impl from "./host-key-provider.ts";

/** Inputs of {@link HostKeyPin}. */
export interface HostKeyPinArgs {
  readonly address: pulumi.Input<string>;
  readonly port: number;
  /** Keys pinned in the config (`ssh-ed25519 AAAA…`); empty: trust on first use. */
  readonly pinned: readonly string[];
  /**
   * What the host is: a VM's resource id, so a VM created again (new host keys, possibly the same address) is
   * pinned again; for an existing SSH host its address.
   */
  readonly identity: pulumi.Input<string>;
}

const provider = forwardingProvider<Impl.HostKeyInputs, Impl.HostKeyOutputs>("components/host-key-provider.ts");

/** Pinned host keys of one host. */
export class HostKeyPin extends pulumi.dynamic.Resource {
  /** known_hosts lines for the host's address and port. */
  declare public readonly knownHosts: pulumi.Output<string>;
  /** The keys, `type base64`, sorted; the first one is what `command:remote` connections pin (`hostKey`). */
  declare public readonly keys: pulumi.Output<string[]>;
  /** `config` or `first-use`. */
  declare public readonly source: pulumi.Output<"config" | "first-use">;

  constructor(name: string, args: HostKeyPinArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, knownHosts: undefined, keys: undefined, source: undefined }, opts, "peva-lab", "HostKeyPin");
  }
}

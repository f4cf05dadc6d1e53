/** Contract of `provisioner` plugins: where the lab's hosts come from (this machine, Multipass VMs, SSH hosts). */
import { Plugin } from "./plugin.ts";

/** What a host is used for. */
export type HostRole = "runner" | "node";

/** One host of the lab. */
export interface HostSpec {
  readonly name: string;
  readonly address: string;
  readonly user?: string;
  readonly port?: number;
  readonly roles: readonly HostRole[];
}

/** How the controller reaches the hosts. */
export type HostTransport = "local" | "ssh";

/** Supplies the lab's hosts and how to reach them. */
export abstract class ProvisionerPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "provisioner" as const;
  /** The hosts of this environment. */
  abstract hosts(): readonly HostSpec[];
  /** The transport used to run commands on the hosts. */
  abstract transport(): HostTransport;
}

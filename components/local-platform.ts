/**
 * `LocalPlatform`: the embedded FaaS platform, as a dynamic resource. Create starts the OpenFaaS-compatible gateway
 * (plugin `platform-local`), node-exporter and a Prometheus scraping both, detached, with pid files in a state
 * dir, and waits until all are healthy and Prometheus has samples. Delete stops exactly those processes. Refresh
 * notices when they are gone.
 *
 * Where: on this machine, listening on loopback (the `local` stack), or with `remote` on a platform host reached
 * over SSH that runner setup prepared, listening on the host's address. The controller checks readiness over HTTP,
 * so it must reach the platform's ports on that address, as it reaches the host's sshd.
 */
import * as pulumi from "@pulumi/pulumi";
import { forwardingProvider } from "./dynamic-impl.ts";
import type * as Impl from "./local-platform-provider.ts";
import type { NodeSettings } from "../plan/local-platform.ts";

/** A remote platform host: how to log in, and the peva-lab workdir runner setup prepared there. */
export interface LocalPlatformRemote {
  readonly connection: {
    /** Address the controller logs in at; the platform listens there and the runner host reaches it there. */
    readonly host: pulumi.Input<string>;
    readonly port: number;
    readonly user: string;
    /** Pinned known_hosts lines for the host. */
    readonly knownHosts: pulumi.Input<string>;
  };
  /** SSH private key of `connection.user` (kept a secret). */
  readonly privateKey: pulumi.Input<string>;
  /** Relative to the login user's home, e.g. `.peva-lab` (or absolute): `bin/node`, `bundle/`, state in `platform/`. */
  readonly workdir: string;
}

/** Inputs of {@link LocalPlatform}. */
export interface LocalPlatformArgs {
  /** State directory relative to the project (pid files, logs, Prometheus data); this machine only. */
  readonly stateDir: string;
  readonly maxReplicas: number;
  readonly queueDepth: number;
  /** The node's declared size and how it is enforced. */
  readonly node: NodeSettings;
  /** Run the platform on this host instead of this machine. */
  readonly remote?: LocalPlatformRemote;
}

/** Behaviour version of the provider; bump it to reach existing stacks after a change. */
export const LOCAL_PLATFORM_PROVIDER_VERSION = "3";

const provider = forwardingProvider<Impl.LocalPlatformInputs, Impl.LocalPlatformOutputs>("components/local-platform-provider.ts");

/** The platform's processes and endpoints. */
export class LocalPlatform extends pulumi.dynamic.Resource {
  declare public readonly gatewayUrl: pulumi.Output<string>;
  declare public readonly prometheusUrl: pulumi.Output<string>;
  declare public readonly nodeExporterUrl: pulumi.Output<string>;
  declare public readonly ports: pulumi.Output<{ gateway: number; nodeExporter: number; prometheus: number }>;
  declare public readonly processes: pulumi.Output<Record<string, { pid: number; marker: string }>>;
  /** Basic-auth password of the gateway (user `admin`); a secret. */
  declare public readonly gatewayPassword: pulumi.Output<string>;
  /** The node's declared CPUs: what the campaign normalises CPU figures by. */
  declare public readonly nodeCores: pulumi.Output<number>;
  /** How the node's size is enforced: `cgroup-v1`, `cgroup-v2` or `processes`. */
  declare public readonly nodeIsolation: pulumi.Output<string>;

  constructor(name: string, args: LocalPlatformArgs, opts?: pulumi.CustomResourceOptions) {
    const { remote, ...settings } = args;
    // The provider gets the key as a top-level input so that it can be named a secret output: secrets of a
    // dynamic resource's inputs do not carry over to its outputs by themselves.
    const placement = remote
      ? { remote: { connection: remote.connection, workdir: remote.workdir }, privateKey: pulumi.secret(remote.privateKey) }
      : {};
    super(
      provider,
      name,
      {
        ...settings,
        ...placement,
        providerVersion: LOCAL_PLATFORM_PROVIDER_VERSION,
        gatewayUrl: undefined,
        prometheusUrl: undefined,
        nodeExporterUrl: undefined,
        ports: undefined,
        processes: undefined,
        gatewayPassword: undefined,
        nodeCores: undefined,
        nodeIsolation: undefined,
      },
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "gatewayPassword", ...(remote ? ["privateKey"] : [])],
      },
      "peva-lab",
      "LocalPlatform",
    );
  }
}

/**
 * `BenchmarkRun`: one campaign run of the `peva-faas` workload, as a dynamic resource. `pulumi up` runs it (and
 * resumes it after a stop or a crash), on this machine or on a remote runner host over SSH; `pulumi destroy`
 * stops a live runner and retrieves its DuckDB memory first.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RunCounts, RunStatus } from "@peva-lab/peva-faas/runner";
import type * as Impl from "./benchmark-run-provider.ts";
import { forwardingProvider } from "./dynamic-impl.ts";

/** Type token of the resource (used to compute its URN for progress logging). */
export const BENCHMARK_RUN_TYPE = "pulumi-nodejs:dynamic/peva-lab:BenchmarkRun";
/** Behaviour version of the provider; bump it to make existing stacks run again after an incompatible change. */
export const BENCHMARK_RUN_PROVIDER_VERSION = "1";

/** Inputs of {@link BenchmarkRun}. */
export interface BenchmarkRunArgs {
  readonly stack: string;
  readonly host: string;
  readonly workdir: string;
  readonly outputRoot: string;
  readonly platform: "local" | "openfaas";
  readonly gatewayUrl: pulumi.Input<string>;
  readonly gatewayPassword: pulumi.Input<string>;
  readonly prometheusUrl: pulumi.Input<string>;
  readonly nodeCores: pulumi.Input<number>;
  /** The platform's size, limits and versions for the campaign identity (`plan/platform-identity.ts`). */
  readonly platformIdentity: pulumi.Input<Readonly<Record<string, string | number | boolean>>>;
  readonly settings: Record<string, unknown>;
  readonly cleanup: { readonly memory: boolean; readonly paths: readonly string[] };
  /** The analysis compute per transform (resolved by compute governance) and the engine's settings. */
  readonly analysis: Impl.BenchmarkRunInputs["analysis"];
  /** Remote runner hosts: address, port, user and pinned known_hosts lines. Absent: this machine. */
  readonly connection?: pulumi.Input<Impl.RunnerConnection>;
  /** Remote runner hosts: the SSH private key (kept a secret). */
  readonly privateKey?: pulumi.Input<string>;
}

const provider = forwardingProvider<Impl.BenchmarkRunInputs, Impl.BenchmarkRunOutputs>("components/benchmark-run-provider.ts");

/** A campaign run. */
export class BenchmarkRun extends pulumi.dynamic.Resource {
  declare public readonly runId: pulumi.Output<string>;
  declare public readonly status: pulumi.Output<RunStatus>;
  declare public readonly success: pulumi.Output<boolean>;
  declare public readonly counts: pulumi.Output<RunCounts>;
  declare public readonly message: pulumi.Output<string>;
  declare public readonly resultsDir: pulumi.Output<string>;
  declare public readonly resultsCsv: pulumi.Output<string>;
  declare public readonly memoryDb: pulumi.Output<string>;
  declare public readonly eventsFile: pulumi.Output<string>;
  declare public readonly stopFile: pulumi.Output<string>;
  declare public readonly frontier: pulumi.Output<{ functions: string; rates: Record<string, number> }[]>;
  declare public readonly summary: pulumi.Output<string>;
  /** The campaign's offline HTML report on the controller ("" when it could not be written). */
  declare public readonly report: pulumi.Output<string>;

  constructor(name: string, args: BenchmarkRunArgs, opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource }) {
    const outputs = ["runId", "status", "success", "counts", "message", "resultsDir", "resultsCsv", "memoryDb", "eventsFile", "stopFile", "frontier", "summary", "report"];
    super(
      provider,
      name,
      {
        ...args,
        gatewayPassword: pulumi.secret(args.gatewayPassword),
        privateKey: args.privateKey === undefined ? undefined : pulumi.secret(args.privateKey),
        logUrn: pulumi.createUrn(name, BENCHMARK_RUN_TYPE, opts.parent),
        providerVersion: BENCHMARK_RUN_PROVIDER_VERSION,
        ...Object.fromEntries(outputs.map((o) => [o, undefined])),
      },
      // A campaign can run for hours: no engine-side timeout cuts it short; the follower's watchdog tracks the runner's heartbeat.
      { ...opts, additionalSecretOutputs: ["gatewayPassword", "privateKey"] },
      "peva-lab",
      "BenchmarkRun",
    );
  }
}

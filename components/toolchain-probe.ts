/**
 * `ToolchainProbe`: a dynamic resource that finds the tools the runner host needs on PATH and records their
 * versions (so every campaign knows exactly which load generator / Prometheus produced its numbers). A missing tool fails
 * `pulumi up` with the command that installs it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ToolRequirement } from "../plan/lab-plan.ts";
import { forwardingProvider } from "./dynamic-impl.ts";
import type * as Impl from "./toolchain-probe-provider.ts";

/** Inputs of {@link ToolchainProbe}. */
export interface ToolchainProbeArgs {
  /** The tools to find and version. */
  readonly tools: pulumi.Input<readonly ToolRequirement[]>;
}

const provider = forwardingProvider<Impl.ProbeInputs, Impl.ProbeOutputs>("components/toolchain-probe-provider.ts");

/** Finds and versions the runner host's tools. */
export class ToolchainProbe extends pulumi.dynamic.Resource {
  /** Per tool: absolute path and first line of its version output. */
  declare public readonly found: pulumi.Output<Record<string, { path: string; version: string }>>;

  constructor(name: string, args: ToolchainProbeArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { tools: args.tools, found: undefined }, opts, "peva-lab", "ToolchainProbe");
  }
}

/**
 * `OpenFaasFunction`: one function on an OpenFaaS gateway (or the embedded platform, which serves the same deploy
 * API), managed through the gateway's REST API: `POST`/`PUT`/`DELETE /system/functions` with basic auth, a bounded
 * wait for a ready replica, an in-place update for environment, labels, annotations and limits, a replacement for
 * a new image. The password is a secret in every input and output.
 */
import * as pulumi from "@pulumi/pulumi";
import { forwardingProvider } from "./dynamic-impl.ts";
import type * as Impl from "./openfaas-function-provider.ts";

/** Inputs of {@link OpenFaasFunction}. */
export interface OpenFaasFunctionArgs {
  readonly gatewayUrl: pulumi.Input<string>;
  readonly password: pulumi.Input<string>;
  readonly name: string;
  readonly image: pulumi.Input<string>;
  readonly envProcess?: pulumi.Input<string>;
  readonly envVars?: pulumi.Input<Record<string, string>>;
  readonly labels?: pulumi.Input<Record<string, string>>;
  readonly annotations?: pulumi.Input<Record<string, string>>;
  readonly limits?: pulumi.Input<{ memory?: string; cpu?: string }>;
  /** How long to wait for a ready replica after a deploy or update, seconds (default 120). */
  readonly readyTimeoutSeconds?: number;
}

const provider = forwardingProvider<Impl.OpenFaasFunctionInputs, Impl.OpenFaasFunctionOutputs>("components/openfaas-function-provider.ts");

/** A function deployed on a gateway. */
export class OpenFaasFunction extends pulumi.dynamic.Resource {
  declare public readonly replicas: pulumi.Output<number>;
  declare public readonly availableReplicas: pulumi.Output<number>;

  constructor(name: string, args: OpenFaasFunctionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        envVars: {},
        labels: {},
        annotations: {},
        readyTimeoutSeconds: 120,
        ...args,
        password: pulumi.secret(args.password),
        replicas: undefined,
        availableReplicas: undefined,
      },
      { ...opts, additionalSecretOutputs: ["password"] },
      "peva-lab",
      "OpenFaasFunction",
    );
  }
}

/**
 * `OpenFaasPlatform`: OpenFaaS CE (the pinned chart, as a Helm release) and Prometheus + node-exporter (pinned images)
 * on k3s, declared with `@pulumi/kubernetes` through the cluster's provider, so a preview shows and diffs them. The
 * objects and values come from `plan/openfaas-cluster.ts`; this file only declares them.
 *
 * Why `helm.v3.Release` and not `helm.v4.Chart`: the release is Helm's own, so a chart version bump is a `helm
 * upgrade` in place (Helm's three-way merge, its hooks, its history and `helm rollback` on the host), and the diff
 * Pulumi shows is the one we choose — chart version and values — rather than the chart's twenty-odd rendered objects,
 * whose every template change upstream would surface as noise. `Chart` renders client-side and skips hooks. The
 * price: Pulumi does not diff the objects the chart renders; `helm get manifest openfaas -n openfaas` shows them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { hostPort } from "../plan/host-port.ts";
import type { K3sCluster } from "./k3s-cluster.ts";
import {
  BASIC_AUTH_SECRET,
  GATEWAY_USER,
  OPENFAAS_CHART,
  OPENFAAS_NAMESPACES,
  OPENFAAS_RELEASE_TIMEOUT_S,
  openfaasReleaseValues,
  prometheusObjects,
} from "../plan/openfaas-cluster.ts";

/** Inputs of {@link OpenFaasPlatform}. */
export interface OpenFaasPlatformArgs {
  /** The k3s cluster it runs on: its provider, and its install, with whose uninstall everything here goes. */
  readonly cluster: Pick<K3sCluster, "provider" | "ready">;
  /** The node's address as the runner reaches it: where the NodePorts are. */
  readonly address: pulumi.Input<string>;
  readonly chartVersion: string;
  readonly gatewayPort: number;
  readonly prometheusPort: number;
  readonly prometheusImage: string;
  readonly nodeExporterImage: string;
  readonly gatewayPassword: pulumi.Input<string>;
}

/** OpenFaaS and its Prometheus on k3s. */
export class OpenFaasPlatform extends pulumi.ComponentResource {
  /** Gateway URL as seen from the runner. */
  public readonly gatewayUrl: pulumi.Output<string>;
  /** Prometheus URL as seen from the runner. */
  public readonly prometheusUrl: pulumi.Output<string>;

  constructor(name: string, args: OpenFaasPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:platform:OpenFaasPlatform", name, {}, opts);
    // Uninstalling k3s removes all of this; deleting it object by object first would only need a reachable cluster.
    const on = { parent: this, provider: args.cluster.provider, deletedWith: args.cluster.ready };
    const platformNs = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: OPENFAAS_NAMESPACES.platform } }, on);
    const functionsNs = new k8s.core.v1.Namespace(`${name}-fn-ns`, { metadata: { name: OPENFAAS_NAMESPACES.functions } }, on);
    const basicAuth = new k8s.core.v1.Secret(
      `${name}-basic-auth`,
      {
        metadata: { name: BASIC_AUTH_SECRET, namespace: OPENFAAS_NAMESPACES.platform },
        stringData: { "basic-auth-user": GATEWAY_USER, "basic-auth-password": pulumi.secret(args.gatewayPassword) },
      },
      // The SDK marks a Secret's data and stringData outputs secret itself.
      { ...on, dependsOn: [platformNs] },
    );
    const release = new k8s.helm.v3.Release(
      name,
      {
        name: "openfaas",
        chart: OPENFAAS_CHART.name,
        version: args.chartVersion,
        repositoryOpts: { repo: OPENFAAS_CHART.repo },
        namespace: OPENFAAS_NAMESPACES.platform,
        values: openfaasReleaseValues(args.gatewayPort),
        timeout: OPENFAAS_RELEASE_TIMEOUT_S,
      },
      { ...on, dependsOn: [platformNs, functionsNs, basicAuth] },
    );

    const p = prometheusObjects({ prometheusImage: args.prometheusImage, nodeExporterImage: args.nodeExporterImage, nodePort: args.prometheusPort });
    const inNs = { ...on, dependsOn: [platformNs] };
    const account = new k8s.core.v1.ServiceAccount(`${name}-prometheus`, p.serviceAccount, inNs);
    const role = new k8s.rbac.v1.ClusterRole(`${name}-prometheus`, p.clusterRole, on);
    const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-prometheus`, p.clusterRoleBinding, { ...on, dependsOn: [role, account] });
    const config = new k8s.core.v1.ConfigMap(`${name}-prometheus-config`, p.configMap, inNs);
    // The gateway job scrapes the release's gateway service, so Prometheus follows the release.
    const prometheus = new k8s.apps.v1.Deployment(`${name}-prometheus`, p.deployment, { ...on, dependsOn: [config, binding, release] });
    const prometheusService = new k8s.core.v1.Service(`${name}-prometheus`, p.service, { ...on, dependsOn: [prometheus] });
    const exporter = new k8s.apps.v1.DaemonSet(`${name}-node-exporter`, p.nodeExporterDaemonSet, inNs);
    new k8s.core.v1.Service(`${name}-node-exporter`, p.nodeExporterService, { ...on, dependsOn: [exporter] });

    // The URLs resolve once what serves them is up, so whatever uses them waits for it.
    this.gatewayUrl = pulumi.all([args.address, release.status]).apply(([address]) => `http://${hostPort(address, args.gatewayPort)}`);
    this.prometheusUrl = pulumi.all([args.address, prometheusService.id]).apply(([address]) => `http://${hostPort(address, args.prometheusPort)}`);
    this.registerOutputs({ gatewayUrl: this.gatewayUrl, prometheusUrl: this.prometheusUrl });
  }
}

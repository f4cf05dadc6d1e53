/**
 * What the `dev`/`lab-*` stacks declare on k3s through `@pulumi/kubernetes`: the kubeconfig the provider uses, the
 * OpenFaaS Helm release and its values, and Prometheus + node-exporter as Kubernetes objects with the scrape jobs
 * that `plugins/peva-faas/queries/openfaas.yml` is written against. Pure: objects and text, no Pulumi, no I/O; the
 * component (`components/openfaas-platform.ts`) declares one resource per object here.
 */
import { createHash } from "node:crypto";
import { isMap, isSeq, parseDocument } from "yaml";

/** The namespaces OpenFaaS uses: its control plane, and the functions it deploys. */
export const OPENFAAS_NAMESPACES = { platform: "openfaas", functions: "openfaas-fn" } as const;

/** The OpenFaaS chart in the OpenFaaS Helm repository; its version is the stack's `platform.openfaasChartVersion`. */
export const OPENFAAS_CHART = { name: "openfaas", repo: "https://openfaas.github.io/faas-netes/" } as const;

/** The Secret holding the gateway's basic-auth credentials (the chart reads it when `generateBasicAuth` is off). */
export const BASIC_AUTH_SECRET = "basic-auth";

/** The gateway's basic-auth user: OpenFaaS's fixed administrator name. */
export const GATEWAY_USER = "admin";

/** Seconds the k8s provider waits for the OpenFaaS release's workloads before it fails the release. */
export const OPENFAAS_RELEASE_TIMEOUT_S = 300;

/** Seconds between two scrapes of the Prometheus deployed beside OpenFaaS. */
export const OPENFAAS_SCRAPE_INTERVAL_S = 5;

/** The error when k3s's kubeconfig cannot be pointed at the host. */
export class KubeconfigError extends Error {
  constructor(reason: string) {
    super(`peva-lab:platform: k3s's kubeconfig (/etc/rancher/k3s/k3s.yaml) ${reason}`);
    this.name = "KubeconfigError";
  }
}

/**
 * k3s's kubeconfig with every cluster's server pointed at `address` (k3s writes `https://127.0.0.1:6443`, which only
 * works on the node itself); port, scheme and credentials stay. An IPv6 address gets its brackets from the URL API.
 */
export function kubeconfigForAddress(k3sYaml: string, address: string): string {
  const doc = parseDocument(k3sYaml);
  if (doc.errors.length > 0) throw new KubeconfigError(`is not YAML: ${doc.errors[0]!.message}`);
  const clusters = doc.get("clusters");
  if (!isSeq(clusters) || clusters.items.length === 0) throw new KubeconfigError("names no cluster");
  for (const entry of clusters.items) {
    const cluster = isMap(entry) ? entry.get("cluster") : undefined;
    const server = isMap(cluster) ? cluster.get("server") : undefined;
    if (!isMap(cluster) || typeof server !== "string") throw new KubeconfigError("has a cluster without a server");
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new KubeconfigError(`has a server that is not a URL: '${server}'`);
    }
    url.hostname = urlHost(address);
    cluster.set("server", url.origin);
  }
  return doc.toString();
}

/** `address` as a URL's host: a DNS name or IPv4 address as it is, an IPv6 address in brackets; anything else refused. */
function urlHost(address: string): string {
  const host = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/.test(address) ? `[${address}]` : address;
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/.test(host)) throw new KubeconfigError(`cannot point at host '${address}': not a host name or IP address`);
  return host;
}

/**
 * The OpenFaaS chart's values: functions in their own namespace, basic auth from {@link BASIC_AUTH_SECRET} (never a
 * value, so the password is never part of the release), the gateway on a fixed NodePort. The chart's own Prometheus
 * and AlertManager stay off: the lab's Prometheus ({@link prometheusObjects}) measures, and autoscaling is the
 * campaign's to observe, not AlertManager's to drive.
 */
export function openfaasReleaseValues(gatewayPort: number) {
  return {
    functionNamespace: OPENFAAS_NAMESPACES.functions,
    basic_auth: true,
    generateBasicAuth: false,
    serviceType: "NodePort",
    gateway: { nodePort: gatewayPort },
    prometheus: { create: false },
    alertmanager: { create: false },
  };
}

/**
 * The lab Prometheus's configuration: node-exporter, the kubelet's cAdvisor endpoint (direct, with the service
 * account's token; kept to the function namespace so per-function series carry `container`, `pod` and `namespace`
 * on containerd), and the gateway's own metrics.
 */
export function prometheusScrapeConfig(): string {
  return [
    `global: { scrape_interval: ${OPENFAAS_SCRAPE_INTERVAL_S}s, scrape_timeout: ${OPENFAAS_SCRAPE_INTERVAL_S - 1}s }`,
    "scrape_configs:",
    "  - job_name: node",
    `    static_configs: [{ targets: ['node-exporter.${OPENFAAS_NAMESPACES.platform}:9100'] }]`,
    "  - job_name: kubelet-cadvisor",
    "    scheme: https",
    "    metrics_path: /metrics/cadvisor",
    "    tls_config: { insecure_skip_verify: true }",
    "    authorization: { credentials_file: /var/run/secrets/kubernetes.io/serviceaccount/token }",
    "    kubernetes_sd_configs: [{ role: node }]",
    "    metric_relabel_configs:",
    `      - { source_labels: [namespace], regex: ${OPENFAAS_NAMESPACES.functions}, action: keep }`,
    "  - job_name: openfaas-gateway",
    `    static_configs: [{ targets: ['gateway.${OPENFAAS_NAMESPACES.platform}:8082'] }]`,
    "",
  ].join("\n");
}

/** Pinned images and the NodePort of the lab's Prometheus. */
export interface PrometheusSettings {
  readonly prometheusImage: string;
  readonly nodeExporterImage: string;
  readonly nodePort: number;
}

/**
 * Prometheus (with the RBAC its kubelet scrape needs, its configuration, a NodePort service) and node-exporter on
 * every node, as Kubernetes objects. The Prometheus pod template carries a hash of its configuration, so a changed
 * scrape config rolls the pod (Prometheus does not reload a mounted file by itself).
 */
export function prometheusObjects(s: PrometheusSettings) {
  const namespace = OPENFAAS_NAMESPACES.platform;
  const config = prometheusScrapeConfig();
  const configHash = createHash("sha256").update(config).digest("hex").slice(0, 16);
  const prometheus = { app: "prometheus" };
  const nodeExporter = { app: "node-exporter" };
  return {
    serviceAccount: { metadata: { name: "prometheus", namespace } },
    clusterRole: {
      metadata: { name: "peva-prometheus" },
      rules: [
        { apiGroups: [""], resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"], verbs: ["get", "list", "watch"] },
        { nonResourceURLs: ["/metrics", "/metrics/cadvisor"], verbs: ["get"] },
      ],
    },
    clusterRoleBinding: {
      metadata: { name: "peva-prometheus" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "peva-prometheus" },
      subjects: [{ kind: "ServiceAccount", name: "prometheus", namespace }],
    },
    configMap: { metadata: { name: "prometheus-config", namespace }, data: { "prometheus.yml": config } },
    deployment: {
      metadata: { name: "prometheus", namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: prometheus },
        template: {
          metadata: { labels: prometheus, annotations: { "peva-lab/config-sha256": configHash } },
          spec: {
            serviceAccountName: "prometheus",
            containers: [
              {
                name: "prometheus",
                image: s.prometheusImage,
                args: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--storage.tsdb.retention.time=24h"],
                ports: [{ containerPort: 9090 }],
                volumeMounts: [{ name: "config", mountPath: "/etc/prometheus" }],
              },
            ],
            volumes: [{ name: "config", configMap: { name: "prometheus-config" } }],
          },
        },
      },
    },
    service: {
      metadata: { name: "prometheus", namespace },
      spec: { type: "NodePort", selector: prometheus, ports: [{ port: 9090, targetPort: 9090, nodePort: s.nodePort }] },
    },
    nodeExporterDaemonSet: {
      metadata: { name: "node-exporter", namespace },
      spec: {
        selector: { matchLabels: nodeExporter },
        template: {
          metadata: { labels: nodeExporter },
          spec: {
            hostNetwork: true,
            containers: [
              {
                name: "node-exporter",
                image: s.nodeExporterImage,
                args: ["--path.rootfs=/host", "--no-collector.wifi", "--no-collector.hwmon"],
                ports: [{ containerPort: 9100 }],
                resources: { limits: { cpu: "250m", memory: "180Mi" } },
                volumeMounts: [{ name: "root", mountPath: "/host", readOnly: true }],
              },
            ],
            volumes: [{ name: "root", hostPath: { path: "/" } }],
          },
        },
      },
    },
    nodeExporterService: {
      metadata: { name: "node-exporter", namespace },
      spec: { selector: nodeExporter, ports: [{ port: 9100, targetPort: 9100 }] },
    },
  };
}

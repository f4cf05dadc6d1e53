/**
 * plan/openfaas-cluster.ts: the kubeconfig pointed at the host, the OpenFaaS release values, and the Prometheus
 * objects, as pure values.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  BASIC_AUTH_SECRET,
  KubeconfigError,
  OPENFAAS_NAMESPACES,
  kubeconfigForAddress,
  openfaasReleaseValues,
  prometheusObjects,
  prometheusScrapeConfig,
} from "../../plan/openfaas-cluster.ts";
import { K3S_KUBECONFIG } from "../support/k3s-kubeconfig.ts";


type Kubeconfig = { clusters: { cluster: { server: string; "certificate-authority-data": string } }[]; users: { user: Record<string, string> }[] };
const serverOf = (yaml: string) => (parse(yaml) as Kubeconfig).clusters[0]!.cluster.server;

describe("kubeconfigForAddress", () => {
  it("points the server at the host, keeping scheme, port and credentials", () => {
    const out = kubeconfigForAddress(K3S_KUBECONFIG, "10.0.0.2");
    expect(serverOf(out)).toBe("https://10.0.0.2:6443");
    const parsed = parse(out) as Kubeconfig;
    expect(parsed.clusters[0]!.cluster["certificate-authority-data"]).toBe("Q0EtREFUQQ==");
    expect(parsed.users[0]!.user).toEqual({ "client-certificate-data": "Q0VSVA==", "client-key-data": "MOCK-KUBE-CLIENT-KEY" });
  });

  it("takes DNS names and brackets IPv6 addresses", () => {
    expect(serverOf(kubeconfigForAddress(K3S_KUBECONFIG, "lab-node-1.example.org"))).toBe("https://lab-node-1.example.org:6443");
    expect(serverOf(kubeconfigForAddress(K3S_KUBECONFIG, "fd00::2"))).toBe("https://[fd00::2]:6443");
  });

  it("refuses an address that is no host, instead of pointing somewhere else", () => {
    for (const bad of ["evil/x", "a b", "user@host", "", "-x"]) {
      expect(() => kubeconfigForAddress(K3S_KUBECONFIG, bad), bad).toThrow(new KubeconfigError(`cannot point at host '${bad}': not a host name or IP address`));
    }
  });

  it("names what is wrong with a kubeconfig it cannot use", () => {
    expect(() => kubeconfigForAddress("clusters: []\n", "10.0.0.2")).toThrow("peva-lab:platform: k3s's kubeconfig (/etc/rancher/k3s/k3s.yaml) names no cluster");
    expect(() => kubeconfigForAddress("clusters:\n- name: x\n", "10.0.0.2")).toThrow("has a cluster without a server");
    expect(() => kubeconfigForAddress("clusters:\n- cluster: { server: 'not a url' }\n", "10.0.0.2")).toThrow("has a server that is not a URL: 'not a url'");
    expect(() => kubeconfigForAddress("clusters: [\n", "10.0.0.2")).toThrow("is not YAML");
  });
});

describe("openfaasReleaseValues", () => {
  it("puts functions in their namespace, takes basic auth from the Secret (no password value), the gateway on the NodePort", () => {
    const values = openfaasReleaseValues(31112);
    expect(values).toEqual({
      functionNamespace: OPENFAAS_NAMESPACES.functions,
      basic_auth: true,
      generateBasicAuth: false,
      serviceType: "NodePort",
      gateway: { nodePort: 31112 },
      prometheus: { create: false },
      alertmanager: { create: false },
    });
    expect(JSON.stringify(values)).not.toContain("password");
    expect(BASIC_AUTH_SECRET).toBe("basic-auth"); // the name the chart reads when generateBasicAuth is off
  });
});

describe("prometheusObjects", () => {
  const settings = { prometheusImage: "prom/prometheus:v2.52.0", nodeExporterImage: "prom/node-exporter:v1.8.1", nodePort: 30411 };

  it("runs the pinned images, serves Prometheus on its NodePort and mounts the scrape config", () => {
    const p = prometheusObjects(settings);
    expect(p.deployment.spec.template.spec.containers[0]!.image).toBe("prom/prometheus:v2.52.0");
    expect(p.nodeExporterDaemonSet.spec.template.spec.containers[0]!.image).toBe("prom/node-exporter:v1.8.1");
    expect(p.service.spec).toMatchObject({ type: "NodePort", ports: [{ port: 9090, nodePort: 30411 }] });
    expect(p.configMap.data["prometheus.yml"]).toBe(prometheusScrapeConfig());
    expect(p.deployment.spec.template.spec.volumes[0]!.configMap.name).toBe(p.configMap.metadata.name);
    expect(p.clusterRoleBinding.subjects[0]).toEqual({ kind: "ServiceAccount", name: p.serviceAccount.metadata.name, namespace: "openfaas" });
  });

  it("scrapes node-exporter, the kubelet's cAdvisor (function namespace only) and the gateway", () => {
    const config = parse(prometheusScrapeConfig()) as { scrape_configs: { job_name: string; metrics_path?: string; metric_relabel_configs?: unknown[] }[] };
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual(["node", "kubelet-cadvisor", "openfaas-gateway"]);
    const cadvisor = config.scrape_configs[1]!;
    expect(cadvisor.metrics_path).toBe("/metrics/cadvisor");
    expect(cadvisor.metric_relabel_configs).toEqual([{ source_labels: ["namespace"], regex: "openfaas-fn", action: "keep" }]);
  });

  it("carries its configuration's hash in the pod template, so a changed scrape config rolls the pod", () => {
    const hash = createHash("sha256").update(prometheusScrapeConfig()).digest("hex").slice(0, 16);
    expect(prometheusObjects(settings).deployment.spec.template.metadata.annotations).toEqual({ "peva-lab/config-sha256": hash });
  });
});

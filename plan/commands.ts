/**
 * Pure builders of the shell commands the `dev` / `lab-*` components run. Every version is pinned here or in the
 * stack config (upstream installed k3s "latest", an unpinned chart and untagged images). Secrets never appear in
 * command text: they travel in environment variables, which the command provider keeps secret.
 */

/** Pinned versions of what the remote setup installs. */
export const PINNED = {
  helm: "v3.15.4",
} as const;

/**
 * The load generator runner setup installs: a bundled static binary copied from the controller (vegeta), or a
 * tool the user installed on the runner (k6), which setup only checks.
 */
export interface RunnerLoadgen {
  /** Executable name on the runner. */
  readonly tool: string;
  /** Arguments that print its version. */
  readonly versionArgs: readonly string[];
  /** Bundled generators: the controller path of the binary to copy, and the version it must report. */
  readonly bundled?: { readonly controllerBinary: string; readonly version: string };
}

/** `multipass launch` for one VM, printing `multipass info` JSON so the address becomes an output. */
export function multipassLaunch(name: string, vm: { cpus: number; memoryGb: number; diskGb: number; image: string }): string {
  // The public key is derived from the secret private key at run time ($PEVA_SSH_PRIVATE_KEY), never inlined.
  return [
    "set -eu",
    'tmp=$(mktemp -d); trap \'rm -rf "$tmp"\' EXIT',
    'printf "%s\\n" "$PEVA_SSH_PRIVATE_KEY" > "$tmp/key"; chmod 600 "$tmp/key"',
    'pub=$(ssh-keygen -y -f "$tmp/key")',
    'printf "#cloud-config\\nssh_authorized_keys:\\n  - %s\\n" "$pub" > "$tmp/cloud-init.yaml"',
    `multipass launch ${shellQuote(vm.image)} --name ${shellQuote(name)} --cpus ${vm.cpus} --memory ${vm.memoryGb}G --disk ${vm.diskGb}G --cloud-init "$tmp/cloud-init.yaml" >&2`,
    `multipass info ${shellQuote(name)} --format json`,
  ].join("\n");
}

/** Deletes and purges a Multipass VM; succeeds when it is already gone. */
export function multipassDelete(name: string): string {
  return `multipass delete --purge ${shellQuote(name)} || multipass info ${shellQuote(name)} >/dev/null 2>&1 && exit 1 || true`;
}

/** Extracts the first IPv4 address from `multipass info --format json` output. */
export function addressFromMultipassInfo(name: string, infoJson: string): string {
  const info = JSON.parse(infoJson) as { info?: Record<string, { ipv4?: string[] }> };
  const address = info.info?.[name]?.ipv4?.[0];
  if (!address) throw new Error(`multipass info for '${name}' has no IPv4 address`);
  return address;
}

/** Installs a pinned k3s release (Traefik off: the gateway is a NodePort). */
export function k3sInstall(version: string): string {
  return [
    "set -eu",
    `if command -v k3s >/dev/null && k3s --version | grep -qF ${shellQuote(version)}; then exit 0; fi`,
    `curl -sfL https://get.k3s.io | sudo INSTALL_K3S_VERSION=${shellQuote(version)} INSTALL_K3S_EXEC="--write-kubeconfig-mode 644 --disable traefik" sh -`,
    "sudo k3s kubectl wait --for=condition=Ready node --all --timeout=300s",
  ].join("\n");
}

/** Removes k3s (and with it OpenFaaS and Prometheus) from the host. */
export function k3sUninstall(): string {
  return "if [ -x /usr/local/bin/k3s-uninstall.sh ]; then sudo /usr/local/bin/k3s-uninstall.sh; fi";
}

/** Installs OpenFaaS CE with a pinned chart; the basic-auth password comes from $PEVA_GATEWAY_PASSWORD. */
export function openfaasInstall(chartVersion: string, gatewayPort: number): string {
  return [
    "set -eu",
    "export KUBECONFIG=/etc/rancher/k3s/k3s.yaml",
    `if ! command -v helm >/dev/null; then curl -fsSL https://raw.githubusercontent.com/helm/helm/${PINNED.helm}/scripts/get-helm-3 | DESIRED_VERSION=${PINNED.helm} bash; fi`,
    "kubectl get ns openfaas >/dev/null 2>&1 || kubectl create ns openfaas",
    "kubectl get ns openfaas-fn >/dev/null 2>&1 || kubectl create ns openfaas-fn",
    'kubectl -n openfaas create secret generic basic-auth --from-literal=basic-auth-user=admin --from-literal=basic-auth-password="$PEVA_GATEWAY_PASSWORD" --dry-run=client -o yaml | kubectl apply -f -',
    "helm repo add openfaas https://openfaas.github.io/faas-netes/ >/dev/null",
    "helm repo update openfaas >/dev/null",
    `helm upgrade --install openfaas openfaas/openfaas --version ${shellQuote(chartVersion)} --namespace openfaas --set functionNamespace=openfaas-fn --set generateBasicAuth=false --set serviceType=NodePort --set gateway.nodePort=${gatewayPort} --set prometheus.create=false --set alertmanager.create=false --wait --timeout 5m`,
  ].join("\n");
}

/** Uninstalls the OpenFaaS release (k3s removal removes the rest). */
export function openfaasUninstall(): string {
  return "export KUBECONFIG=/etc/rancher/k3s/k3s.yaml; helm uninstall openfaas --namespace openfaas || true";
}

/** Applies the Prometheus + node-exporter manifest given on stdin, then waits for the rollouts. */
export function prometheusApply(): string {
  return [
    "set -eu",
    "export KUBECONFIG=/etc/rancher/k3s/k3s.yaml",
    "kubectl apply -f -",
    "kubectl -n openfaas rollout status ds/node-exporter --timeout=5m",
    "kubectl -n openfaas rollout status deploy/prometheus --timeout=5m",
  ].join("\n");
}

/**
 * The Kubernetes manifest for Prometheus (pinned image, NodePort) and node-exporter. Per-function container metrics
 * come from the kubelet's built-in cAdvisor endpoint (k3s runs containerd, so a `--docker_only` cAdvisor sees
 * nothing: upstream defect 3).
 */
export function prometheusManifest(opts: { prometheusImage: string; nodeExporterImage: string; nodePort: number }): string {
  const scrape = [
    "global: { scrape_interval: 5s, scrape_timeout: 4s }",
    "scrape_configs:",
    "  - job_name: node",
    "    static_configs: [{ targets: ['node-exporter.openfaas:9100'] }]",
    "  - job_name: kubelet-cadvisor",
    "    scheme: https",
    "    metrics_path: /metrics/cadvisor",
    "    tls_config: { insecure_skip_verify: true }",
    "    authorization: { credentials_file: /var/run/secrets/kubernetes.io/serviceaccount/token }",
    "    kubernetes_sd_configs: [{ role: node }]",
    "    metric_relabel_configs:",
    "      - { source_labels: [namespace], regex: openfaas-fn, action: keep }",
    "  - job_name: openfaas-gateway",
    "    static_configs: [{ targets: ['gateway.openfaas:8082'] }]",
  ].join("\n");
  const indent = (s: string, n: number) => s.split("\n").map((l) => " ".repeat(n) + l).join("\n");
  return `apiVersion: v1
kind: ServiceAccount
metadata: { name: prometheus, namespace: openfaas }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: peva-prometheus }
rules:
  - { apiGroups: [""], resources: [nodes, nodes/metrics, services, endpoints, pods], verbs: [get, list, watch] }
  - { nonResourceURLs: [/metrics, /metrics/cadvisor], verbs: [get] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: peva-prometheus }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: peva-prometheus }
subjects: [{ kind: ServiceAccount, name: prometheus, namespace: openfaas }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: prometheus-config, namespace: openfaas }
data:
  prometheus.yml: |
${indent(scrape, 4)}
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: prometheus, namespace: openfaas }
spec:
  replicas: 1
  selector: { matchLabels: { app: prometheus } }
  template:
    metadata: { labels: { app: prometheus } }
    spec:
      serviceAccountName: prometheus
      containers:
        - name: prometheus
          image: ${opts.prometheusImage}
          args: [--config.file=/etc/prometheus/prometheus.yml, --storage.tsdb.path=/prometheus, --storage.tsdb.retention.time=24h]
          ports: [{ containerPort: 9090 }]
          volumeMounts: [{ name: config, mountPath: /etc/prometheus }]
      volumes: [{ name: config, configMap: { name: prometheus-config } }]
---
apiVersion: v1
kind: Service
metadata: { name: prometheus, namespace: openfaas }
spec:
  type: NodePort
  selector: { app: prometheus }
  ports: [{ port: 9090, targetPort: 9090, nodePort: ${opts.nodePort} }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: node-exporter, namespace: openfaas }
spec:
  selector: { matchLabels: { app: node-exporter } }
  template:
    metadata: { labels: { app: node-exporter } }
    spec:
      hostNetwork: true
      containers:
        - name: node-exporter
          image: ${opts.nodeExporterImage}
          args: [--path.rootfs=/host, --no-collector.wifi, --no-collector.hwmon]
          ports: [{ containerPort: 9100 }]
          resources: { limits: { cpu: 250m, memory: 180Mi } }
          volumeMounts: [{ name: root, mountPath: /host, readOnly: true }]
      volumes: [{ name: root, hostPath: { path: / } }]
---
apiVersion: v1
kind: Service
metadata: { name: node-exporter, namespace: openfaas }
spec:
  selector: { app: node-exporter }
  ports: [{ port: 9100, targetPort: 9100 }]
`;
}

/**
 * `ansible-playbook` invocation for the runner setup. The extras (npm workspaces of the enabled plugins) are an
 * extra-var so the playbook installs exactly those, lock-backed.
 */
export function ansibleRunnerSetup(opts: {
  playbook: string;
  host: string;
  user: string;
  port: number;
  workdir: string;
  workspaces: readonly string[];
  loadgens: readonly RunnerLoadgen[];
}): string {
  const extraVars = JSON.stringify({
    peva_workdir: opts.workdir,
    peva_workspaces: [...opts.workspaces],
    peva_loadgens: opts.loadgens.map((l) => ({
      tool: l.tool,
      version_args: [...l.versionArgs],
      binary: l.bundled?.controllerBinary ?? "",
      version: l.bundled?.version ?? "",
    })),
  });
  return [
    "set -eu",
    'tmp=$(mktemp -d); trap \'rm -rf "$tmp"\' EXIT',
    'printf "%s\\n" "$PEVA_SSH_PRIVATE_KEY" > "$tmp/key"; chmod 600 "$tmp/key"',
    `ANSIBLE_HOST_KEY_CHECKING=False ansible-playbook -i ${shellQuote(`${opts.host},`)} -u ${shellQuote(opts.user)} -e ansible_port=${opts.port} --private-key "$tmp/key" -e ${shellQuote(extraVars)} ${shellQuote(opts.playbook)}`,
  ].join("\n");
}

/** Quotes a string for POSIX sh. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

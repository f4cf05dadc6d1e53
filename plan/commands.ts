/**
 * Pure builders of the shell commands the `dev` / `lab-*` components run. Every version is pinned here or in the
 * stack config (upstream installed k3s "latest", an unpinned chart and untagged images). Secrets never appear in
 * command text: they travel in environment variables, which the command provider keeps secret.
 */

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

/**
 * Script head shared by every command that needs the SSH private key as a file: strict mode, a private temp dir
 * removed on exit, and `$PEVA_SSH_PRIVATE_KEY` (a secret environment variable, never command text) in `$tmp/key`.
 */
const WITH_PRIVATE_KEY_FILE: readonly string[] = [
  "set -eu",
  "umask 077", // the key file is private from its first byte
  'tmp=$(mktemp -d); trap \'rm -rf "$tmp"\' EXIT',
  'printf "%s\\n" "$PEVA_SSH_PRIVATE_KEY" > "$tmp/key"; chmod 600 "$tmp/key"',
];

/** `multipass launch` for one VM, printing `multipass info` JSON so the address becomes an output. */
export function multipassLaunch(name: string, vm: { cpus: number; memoryGb: number; diskGb: number; image: string }): string {
  // The public key is derived from the secret private key at run time ($PEVA_SSH_PRIVATE_KEY), never inlined.
  return [
    ...WITH_PRIVATE_KEY_FILE,
    'pub=$(ssh-keygen -y -f "$tmp/key")',
    'printf "#cloud-config\\nssh_authorized_keys:\\n  - %s\\n" "$pub" > "$tmp/cloud-init.yaml"',
    `multipass launch ${shellQuote(vm.image)} --name ${shellQuote(name)} --cpus ${vm.cpus} --memory ${vm.memoryGb}G --disk ${vm.diskGb}G --cloud-init "$tmp/cloud-init.yaml" >&2`,
    `multipass info ${shellQuote(name)} --format json`,
  ].join("\n");
}

/**
 * Deletes and purges a Multipass VM. Succeeds when the VM is gone afterwards: deleted now, or already absent
 * (`multipass info` says it does not exist). Fails when it still exists, and when Multipass cannot tell (daemon
 * down), so a failed delete never drops a live VM from the stack's state.
 */
export function multipassDelete(name: string): string {
  const vm = shellQuote(name);
  return [
    `if multipass delete --purge ${vm}; then exit 0; fi`,
    `if info=$(multipass info ${vm} 2>&1); then printf 'multipass VM %s still exists after a failed delete\\n' ${vm} >&2; exit 1; fi`,
    'case $info in *"does not exist"*) exit 0 ;; esac',
    `printf 'cannot tell whether multipass VM %s is gone: %s\\n' ${vm} "$info" >&2`,
    "exit 1",
  ].join("\n");
}

/**
 * The in-place update of a Multipass VM (an input other than its size changed, e.g. the SSH key): authorises the
 * current key inside the VM (cloud-init ran once, at launch) and prints `multipass info` JSON again, so the address
 * output stays. Never launches: the VM already exists under that name.
 */
export function multipassUpdate(name: string): string {
  const vm = shellQuote(name);
  return [
    ...WITH_PRIVATE_KEY_FILE,
    'pub=$(ssh-keygen -y -f "$tmp/key")',
    `multipass exec ${vm} -- sh -c 'mkdir -p -m 700 ~/.ssh && { grep -qxF "$1" ~/.ssh/authorized_keys 2>/dev/null || printf "%s\\n" "$1" >> ~/.ssh/authorized_keys; }' sh "$pub" >&2`,
    `multipass info ${vm} --format json`,
  ].join("\n");
}

/** Extracts the first IPv4 address from `multipass info --format json` output. */
export function addressFromMultipassInfo(name: string, infoJson: string): string {
  const info = JSON.parse(infoJson) as { info?: Record<string, { ipv4?: string[] }> };
  const address = info.info?.[name]?.ipv4?.[0];
  if (!address) throw new Error(`multipass info for '${name}' has no IPv4 address`);
  return address;
}

/** Seconds the k3s install waits for its node to report Ready before it fails. */
export const K3S_READY_TIMEOUT_S = 300;

/**
 * Installs a pinned k3s release (Traefik off: the gateway is a NodePort; `address` in the API server's certificate,
 * so the controller's kubeconfig can use it), or upgrades the installed one in place: the install script keeps the
 * datastore, so a version bump keeps the cluster and what runs on it. The same text is the resource's create and
 * update. A lower version than the installed one is refused (k3s does not support downgrades: the older server may
 * not start on the newer datastore); destroying the k3s resource first is the way. Then waits at most
 * `readyTimeoutSeconds` for the node to be Ready, failing with where to look. Everything logs to stderr; stdout is
 * one line, the node's CPU count (`nproc`), which the lab reports as the platform node's size.
 */
export function k3sInstall(version: string, address: string, readyTimeoutSeconds = K3S_READY_TIMEOUT_S): string {
  const want = shellQuote(version);
  return [
    "set -eu",
    'installed=""',
    "if command -v k3s >/dev/null; then installed=$(k3s --version | sed -n 's/^k3s version \\(v[^ ]*\\).*/\\1/p' | head -n 1); fi",
    `if [ "$installed" != ${want} ]; then`,
    `  if [ -n "$installed" ] && [ "$(printf '%s\\n%s\\n' "$installed" ${want} | sort -V | tail -n 1)" = "$installed" ]; then`,
    `    printf 'k3s %s is installed; downgrading to %s is not supported (destroy the k3s resource first)\\n' "$installed" ${want} >&2`,
    "    exit 1",
    "  fi",
    // Downloaded first, so a failed download fails here instead of piping nothing into sh.
    '  script=$(mktemp); trap \'rm -f "$script"\' EXIT',
    '  curl -sfL https://get.k3s.io -o "$script"',
    // The kubeconfig stays root-only (k3s's default 0600): the controller reads it through sudo.
    `  sudo INSTALL_K3S_VERSION=${want} INSTALL_K3S_EXEC=${shellQuote(`--disable traefik --tls-san ${address}`)} sh "$script" >&2`,
    "fi",
    // Bounded: `kubectl wait` fails at once while the node is not registered yet, so it is retried until the deadline.
    `deadline=$(( $(date +%s) + ${readyTimeoutSeconds} ))`,
    "until sudo k3s kubectl wait --for=condition=Ready node --all --timeout=10s >/dev/null 2>&1; do",
    '  if [ "$(date +%s)" -ge "$deadline" ]; then',
    `    echo 'k3s: the node was not Ready within ${readyTimeoutSeconds} s; on the host, see: sudo k3s kubectl get nodes; sudo journalctl -u k3s' >&2`,
    "    exit 1",
    "  fi",
    "  sleep 2",
    "done",
    "nproc",
  ].join("\n");
}

/** The node's CPU count from {@link k3sInstall}'s stdout (its last line). */
export function coresFromK3sInstall(stdout: string): number {
  const last = stdout.trim().split("\n").pop()?.trim() ?? "";
  const cores = /^[1-9][0-9]*$/.test(last) ? Number(last) : NaN;
  if (!Number.isInteger(cores)) throw new Error(`the k3s install printed no CPU count (last line: '${last}')`);
  return cores;
}

/** Prints k3s's kubeconfig (root-only on the host; it holds the cluster's admin credentials). */
export function k3sKubeconfig(): string {
  return "sudo cat /etc/rancher/k3s/k3s.yaml";
}

/** Removes k3s (and with it OpenFaaS and Prometheus) from the host. */
export function k3sUninstall(): string {
  return "if [ -x /usr/local/bin/k3s-uninstall.sh ]; then sudo /usr/local/bin/k3s-uninstall.sh; fi";
}

/** A tool a host must have (on its PATH, or in /usr/sbin or /usr/bin), and the Debian package that provides it. */
export interface RequiredTool {
  readonly tool: string;
  readonly aptPackage: string;
}

/**
 * The Node.js the controller runs: copied to a host whose own Node is too old, if the host has the same architecture
 * (which the extras, installed on the controller, need too).
 */
export interface ControllerNode {
  /** Absolute controller path of the `node` binary (`process.execPath`). */
  readonly binary: string;
  /** Its architecture as `uname -m` names it ({@link unameArch}): the host's must be the same. */
  readonly arch: string;
}

/** `process.arch` values whose `uname -m` name is unambiguous (Node's linux builds: ppc64 is little-endian). */
const UNAME_ARCH: Readonly<Record<string, string>> = {
  x64: "x86_64",
  arm64: "aarch64",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loongarch64",
};

/** `Cannot copy binaries from a controller of architecture '{arch}': its uname name is not known`. */
export class UnknownArchitectureError extends Error {
  override name = "UnknownArchitectureError";
  readonly nodeArch: string;
  constructor(nodeArch: string) {
    super(`Cannot copy binaries from a controller of architecture '${nodeArch}': its uname name is not known`);
    this.nodeArch = nodeArch;
  }
}

/**
 * A Node `process.arch` as `uname -m` and Ansible's `ansible_architecture` spell it (x64 → x86_64, arm64 → aarch64),
 * so the setup can compare the controller's binaries with the host before copying them. Throws
 * {@link UnknownArchitectureError} for architectures with several uname names (arm: armv6l / armv7l; ia32).
 */
export function unameArch(nodeArch: string): string {
  const name = UNAME_ARCH[nodeArch];
  if (!name) throw new UnknownArchitectureError(nodeArch);
  return name;
}

/**
 * `ansible-playbook` invocation of the host setup (`playbooks/setup-runner.yml`). The extras (npm workspaces of the
 * enabled plugins) are an extra-var so the playbook installs exactly those, lock-backed, here on the controller (npm
 * on its PATH, its cache) and ships them installed: the host needs no npm and no registry. The host key is pinned:
 * `$PEVA_KNOWN_HOSTS` (known_hosts text) becomes the only known_hosts file and strict checking is on, so a host
 * presenting another key fails the setup; the private key comes from `$PEVA_SSH_PRIVATE_KEY`. Both land in a 0700
 * temp dir removed on exit. `ANSIBLE_HOST_KEY_CHECKING=True` overrides a user's ansible.cfg, since with checking
 * off Ansible puts `StrictHostKeyChecking=no` before our options and ssh keeps the first value it reads.
 */
export function ansibleRunnerSetup(opts: {
  playbook: string;
  host: string;
  user: string;
  port: number;
  workdir: string;
  workspaces: readonly string[];
  loadgens: readonly RunnerLoadgen[];
  /** Tools the host must have; installed from Debian packages when missing and the user may use apt. */
  requiredTools?: readonly RequiredTool[];
  /** The controller's Node, copied when the host has no Node >= 22.18. */
  controllerNode?: ControllerNode;
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
    peva_required_tools: (opts.requiredTools ?? []).map((t) => ({ tool: t.tool, apt_package: t.aptPackage })),
    ...(opts.controllerNode ? { peva_node_binary: opts.controllerNode.binary, peva_controller_arch: opts.controllerNode.arch } : {}),
  });
  return ansiblePlaybookOverPinnedSsh(opts, extraVars);
}

/**
 * `ansible-playbook` invocation of the host teardown (`playbooks/teardown-host.yml`): removes what setup installed,
 * over the same pinned-key connection as {@link ansibleRunnerSetup}.
 */
export function ansibleHostTeardown(opts: { playbook: string; host: string; user: string; port: number; workdir: string }): string {
  return ansiblePlaybookOverPinnedSsh(opts, JSON.stringify({ peva_workdir: opts.workdir }));
}

/**
 * Runs `playbook` against one host with the key from $PEVA_SSH_PRIVATE_KEY and only the host keys in
 * $PEVA_KNOWN_HOSTS accepted (both written to a 0600 temp dir removed on exit; an empty pin refuses to connect).
 * ANSIBLE_HOST_KEY_CHECKING is set explicitly: a user's ansible.cfg could otherwise put StrictHostKeyChecking=no
 * ahead of ours, and ssh keeps the first value it reads.
 */
function ansiblePlaybookOverPinnedSsh(opts: { playbook: string; host: string; user: string; port: number }, extraVarsJson: string): string {
  const sshArgs = '"-o UserKnownHostsFile=$tmp/known_hosts -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes"';
  return [
    ...WITH_PRIVATE_KEY_FILE,
    'if [ -z "${PEVA_KNOWN_HOSTS:-}" ]; then echo "no pinned host key (PEVA_KNOWN_HOSTS is empty): refusing to connect" >&2; exit 1; fi',
    'printf "%s\\n" "$PEVA_KNOWN_HOSTS" > "$tmp/known_hosts"; chmod 600 "$tmp/known_hosts"',
    `ANSIBLE_HOST_KEY_CHECKING=True ansible-playbook -i ${shellQuote(`${opts.host},`)} -u ${shellQuote(opts.user)} -e ansible_port=${opts.port} --private-key "$tmp/key" --ssh-common-args ${sshArgs} -e ${shellQuote(extraVarsJson)} ${shellQuote(opts.playbook)}`,
  ].join("\n");
}

/** Quotes a string for POSIX sh. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

/**
 * The stack configuration: one zod schema for everything under the `peva-lab:` namespace of
 * `Pulumi.<stack>.yaml`. Pure: no Pulumi, no I/O. `index.ts` validates with it before declaring any resource.
 */
import { lexicalCleanupProblem, quoteText } from "@peva-lab/core";
import { z } from "zod";

/** The config namespace (the Pulumi project name). */
export const CONFIG_NAMESPACE = "peva-lab";

/** Keys that hold credentials: they must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = ["gatewayPassword", "sshPrivateKey"] as const;

const hostName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be lowercase letters, digits and hyphens (1-63 chars)");

const port = z.number().int().min(1).max(65535);

/** Function names OpenFaaS accepts (a Kubernetes DNS-1123 label), and nothing that could leave a URL path segment. */
export const OPENFAAS_FUNCTION_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A container image reference: `[registry[:port]/]path[:tag][@sha256:digest]`, lower-case path, no spaces. */
const IMAGE_REFERENCE = /^(?:[a-z0-9.-]+(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._-]|__|\/)[a-z0-9]+)*(?::\w[\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;
/** The tag or digest that pins an image (after its last `/`, so a registry port is not taken for a tag). */
const PINNED_IMAGE = /(?:^|\/)[^/]*(?::\w[\w.-]{0,127}|@sha256:[0-9a-f]{64})$/;
/** Text without control characters (line breaks included): it travels in JSON to the gateway and into logs. */
const plainText = z.string().max(4096).regex(/^[\x20-\x7e\xa0-\uffff]*$/, "must not contain line breaks or other control characters");

/** How the lab deploys one function on OpenFaaS, over the catalogue's entry for it (`plan/function-catalog.ts`). */
const openfaasFunction = z
  .object({
    image: z
      .string()
      .superRefine((image, ctx) => {
        if (image.length > 512 || !IMAGE_REFERENCE.test(image)) {
          ctx.addIssue({ code: "custom", message: "must be a container image reference such as ghcr.io/me/eat-memory:1.0 (lower-case path, no spaces)" });
        } else if (!PINNED_IMAGE.test(image)) {
          ctx.addIssue({ code: "custom", message: "must carry a tag or a @sha256: digest" });
        }
      })
      .describe("Image of the function, with a tag or a digest."),
    envProcess: plainText.min(1).optional().describe("The watchdog's process (`fprocess`); default: the catalogue's, else the image's own."),
    envVars: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment variable names are letters, digits and '_', not starting with a digit"), plainText)
      .optional()
      .describe("Environment of the function, over the catalogue's."),
  })
  .strict();

const role = z
  .enum(["runner", "platform"], {
    error: (issue) =>
      issue.input === "k3s"
        ? "role 'k3s' is now 'platform' (the host of the platform under test: k3s + OpenFaaS, or the embedded platform)"
        : "must be 'runner' or 'platform'",
  })
  .describe("`runner` runs the load generator and the campaign; `platform` runs the platform under test (k3s + OpenFaaS + Prometheus, or the embedded platform).");

/** An SSH host public key as the host's `/etc/ssh/ssh_host_*_key.pub` holds it (the comment is optional). */
const hostKey = z
  .string()
  .regex(/^(ssh-[\w.@-]+|ecdsa-[\w.@-]+|sk-[\w.@-]+) [A-Za-z0-9+/]+={0,3}( .*)?$/, "must be an SSH public host key such as 'ssh-ed25519 AAAA…' (see /etc/ssh/ssh_host_ed25519_key.pub on the host)");

/** A VM created by Multipass on the controller (the `dev` stack). */
const multipassVm = z
  .object({
    name: hostName.describe("VM name, e.g. `peva-runner`."),
    role,
    cpus: z.number().int().min(1).max(64).default(2).describe("Virtual CPUs."),
    memoryGb: z.number().int().min(1).max(256).default(4).describe("Memory in GiB."),
    diskGb: z.number().int().min(5).max(2048).default(10).describe("Disk in GiB."),
    image: z.string().min(1).default("24.04").describe("Multipass image (Ubuntu release)."),
  })
  .strict();

/** An existing machine reached over SSH (`lab-*` stacks). */
const sshHost = z
  .object({
    name: hostName.describe("Inventory name of the host."),
    role,
    address: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, "must be an IP address or a DNS name")
      .describe("IP address or DNS name."),
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, "must be a POSIX user name (lowercase letters, digits, '_', '.', '-')")
      .default("ubuntu")
      .describe("SSH user."),
    port: port.default(22).describe("SSH port."),
    hostKeys: z
      .array(hostKey)
      .min(1)
      .optional()
      .describe("Pinned host public keys. When unset, the keys are recorded on first use in the stack's state, and a later change is refused."),
  })
  .strict();

const provisioner = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("local").describe("Everything on this machine, no VMs (the embedded default).") }).strict(),
    z
      .object({
        type: z.literal("multipass").describe("Create VMs with Multipass."),
        vms: z.array(multipassVm).min(1).describe("The VMs to create."),
      })
      .strict(),
    z
      .object({
        type: z.literal("ssh").describe("Use existing hosts over SSH."),
        hosts: z.array(sshHost).min(1).describe("The hosts."),
      })
      .strict(),
  ])
  .default({ type: "local" })
  .describe("Where the lab's hosts come from.");

const platform = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z
          .literal("local")
          .describe("The embedded OpenFaaS-compatible gateway (plugin `platform-local`): on this machine (loopback), or on the `platform` host of a `multipass`/`ssh` lab."),
        maxReplicas: z.number().int().min(1).max(64).default(4).describe("Upper bound of replicas per function."),
        queueDepth: z.number().int().min(1).max(10_000).default(32).describe("Requests queued per replica before 429."),
        cpus: z
          .number()
          .int()
          .min(1)
          .max(1024)
          .default(1)
          .describe(
            "CPUs of the platform's node: the gateway and its workers run in a cgroup with this CPU quota (and this much " +
              "CPU reserved against other processes); node CPU is judged against it. At most the host's cores.",
          ),
        memoryMb: z.number().int().min(256).max(4_194_304).default(2048).describe("Memory of the platform's node (the cgroup's limit), MiB; node memory is judged against it."),
        isolation: z
          .enum(["auto", "cgroup", "processes"])
          .default("auto")
          .describe(
            "How the node's size is enforced: `auto` a cgroup (v1 or v2) when the host allows one, else the platform's " +
              "processes summed with nothing enforced (the run's metadata says which); `cgroup` a cgroup or fail; `processes` never a cgroup.",
          ),
      })
      .strict(),
    z
      .object({
        type: z.literal("openfaas").describe("k3s + OpenFaaS CE + Prometheus on the `platform` host."),
        k3sVersion: z.string().regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, "must be a pinned k3s release such as v1.33.4+k3s1").default("v1.33.4+k3s1").describe("Pinned k3s release."),
        openfaasChartVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a pinned chart version X.Y.Z").default("14.2.103").describe("Pinned OpenFaaS Helm chart version."),
        prometheusImage: z.string().regex(/:[\w.-]+$/, "must carry a pinned tag").default("prom/prometheus:v2.52.0").describe("Prometheus image with a pinned tag."),
        nodeExporterImage: z.string().regex(/:[\w.-]+$/, "must carry a pinned tag").default("prom/node-exporter:v1.8.1").describe("node-exporter image with a pinned tag."),
        functions: z
          .record(z.string().regex(OPENFAAS_FUNCTION_NAME, "function names must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit"), openfaasFunction)
          .default({})
          .describe(
            "Per campaign function, how to deploy it (image, and optionally process and environment) instead of or over the catalogue's " +
              "entry: pins a store image by digest, or deploys a function the catalogue has no image for (eat-memory).",
          ),
        gatewayPort: port.default(31112).describe("OpenFaaS gateway NodePort."),
        prometheusPort: port.default(30411).describe("Prometheus NodePort."),
      })
      .strict()
      .refine((p) => p.gatewayPort !== p.prometheusPort, {
        message: "gatewayPort and prometheusPort must be different",
        path: ["prometheusPort"],
      }),
  ])
  .default({ type: "local", maxReplicas: 4, queueDepth: 32, cpus: 1, memoryMb: 2048, isolation: "auto" })
  .describe("The FaaS platform under test.");

const workload = z
  .object({
    enabled: z.boolean().default(true).describe("Run this workload on `pulumi up`."),
    settings: z.record(z.string(), z.unknown()).default({}).describe("The workload plugin's own settings, validated by its schema."),
  })
  .strict();

const cleanup = z
  .object({
    memory: z.boolean().default(false).describe("Opt in: on destroy, delete the memory assets listed in `paths` (after copying the DuckDB memory to the controller)."),
    paths: z
      .array(
        // The text alone is checked here, at preview; the real files are checked again, on the runner host, on destroy.
        z.string().superRefine((path, ctx) => {
          const problem = lexicalCleanupProblem(path);
          if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
        }),
      )
      .default([])
      .describe(
        "Paths to delete on destroy: relative to the runner workdir under `benchmark_results/peva_faas`, or under `~/.peva_faas-k6`. Absolute paths, `~user`, control characters and `..` leading out of these prefixes are refused.",
      ),
  })
  .strict()
  .refine((c) => !(c.memory && c.paths.length === 0), {
    message: "cleanup.memory is true but no paths are listed; name the paths to delete explicitly",
    path: ["paths"],
  });

const output = z
  .object({
    dir: z.string().min(1).default("output").describe("Where results, reports and retrieved memory land on the controller (relative to the project)."),
  })
  .strict();

/** The analysis transforms a run writes (`analysis/<name>.parquet`); each may be pinned to an approved compute. */
export const ANALYSIS_TRANSFORMS = ["aggregates", "frontier", "long"] as const;

const computeName = z.string().regex(/^[a-z][a-z0-9-]*$/, "must be a compute plugin name (lower case, digits, '-')");

export const computeSchema = z
  .object({
    approved: z
      .array(computeName)
      .min(1)
      .optional()
      .describe("This stack's approved computes: may only narrow the policy files' list (`policies/compute-*.yaml`). Default: the policy's list."),
    default: computeName.optional().describe("The compute of every transform that names none; must be approved. Default: the policy's default."),
    transforms: z
      .partialRecord(z.enum(ANALYSIS_TRANSFORMS), computeName)
      .default({})
      .describe(`A compute per analysis transform (${ANALYSIS_TRANSFORMS.join(", ")}); each must be approved.`),
    threads: z.number().int().min(1).max(64).default(4).describe("Threads for the compute engine."),
    memoryLimit: z.string().regex(/^\d+(GB|MB)$/, "must look like 4GB or 512MB").default("4GB").describe("Memory limit of the compute engine."),
  })
  .strict();

const secretString = z.string().min(1, "must not be empty");

/**
 * Builds the stack config schema. `knownPlugins` are the plugin names the registry found; enabling or configuring
 * any other name is an error.
 */
export function buildStackConfigSchema(knownPlugins: readonly string[]) {
  const pluginName = z.string().refine((n) => knownPlugins.includes(n), {
    error: (issue) => `unknown plugin ${quoteText(String(issue.input))}; known plugins: ${[...knownPlugins].sort().join(", ") || "(none)"}`,
  });
  return z
    .object({
      provisioner,
      platform,
      plugins: z.array(pluginName).default([]).describe("Extra plugins to enable by name (workloads are enabled under `workloads`)."),
      workloads: z
        .record(z.string(), workload)
        .default({})
        .superRefine((ws, ctx) => {
          for (const name of Object.keys(ws)) {
            if (!knownPlugins.includes(name)) {
              ctx.addIssue({
                code: "custom",
                path: [name],
                message: `unknown plugin ${quoteText(name)}; known plugins: ${[...knownPlugins].sort().join(", ") || "(none)"}`,
              });
            }
          }
        })
        .describe("Workloads by plugin name, e.g. `peva-faas`, with their settings."),
      cleanup: cleanup.default({ memory: false, paths: [] }).describe("Opt-in deletions on `pulumi destroy`."),
      output: output.default({ dir: "output" }).describe("Controller-side output."),
      compute: computeSchema.default({ transforms: {}, threads: 4, memoryLimit: "4GB" }).describe("Analysis compute: the approved computes, the choice per transform, the engine's settings."),
      gatewayPassword: secretString.optional().describe("Gateway basic-auth password (secret). Required for `openfaas`; the local platform generates one when unset."),
      sshPrivateKey: secretString.optional().describe("SSH private key for `ssh`/`multipass` hosts (secret). Required for those provisioners."),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      const roles = roleHosts(cfg.provisioner);
      if (cfg.provisioner.type !== "local") {
        for (const role of ["runner", "platform"] as const) {
          if (roles[role] !== 1) {
            ctx.addIssue({ code: "custom", path: ["provisioner"], message: `needs exactly one host with role '${role}', found ${roles[role] === 0 ? "none" : roles[role]}` });
          }
        }
      }
      if (cfg.platform.type === "openfaas" && cfg.provisioner.type === "local") {
        ctx.addIssue({ code: "custom", path: ["platform", "type"], message: "platform 'openfaas' needs a platform host for k3s; use provisioner 'multipass' or 'ssh'" });
      }
      if (cfg.provisioner.type !== "local" && cfg.sshPrivateKey === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["sshPrivateKey"],
          message: `required for provisioner '${cfg.provisioner.type}'; set it with \`pulumi config set --secret peva-lab:sshPrivateKey < ~/.ssh/id_ed25519\``,
        });
      }
      if (cfg.platform.type === "openfaas" && cfg.gatewayPassword === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["gatewayPassword"],
          message: "required for platform 'openfaas'; set it with `pulumi config set --secret peva-lab:gatewayPassword <password>`",
        });
      }
    });
}

function roleHosts(p: z.infer<typeof provisioner>): Record<"runner" | "platform", number> {
  const hosts = p.type === "multipass" ? p.vms : p.type === "ssh" ? p.hosts : [];
  return {
    runner: hosts.filter((h) => h.role === "runner").length,
    platform: hosts.filter((h) => h.role === "platform").length,
  };
}

/** The validated, defaulted stack configuration. */
export type StackConfig = z.infer<ReturnType<typeof buildStackConfigSchema>>;

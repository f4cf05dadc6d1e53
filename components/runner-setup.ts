/**
 * `RunnerSetup`: configures a remote host with Ansible (`playbooks/setup-runner.yml`) over SSH with a pinned host
 * key: Node >= 22.18 as `<workdir>/bin/node` (the host's own, or the controller's copied), the load generator (the
 * bundled static binary copied from the controller, or a check of the user's own tool), the runner bundle with
 * exactly the npm workspaces of the enabled plugins (their "extras") installed lock-backed on the controller and
 * shipped installed, so the host needs neither npm nor a registry, and the tools the host must have (`requiredTools`,
 * installed from Debian packages when missing and allowed). The runner host and, when the embedded platform runs
 * remotely, the platform host are both set up with it.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ansibleHostTeardown, ansibleRunnerSetup, unameArch, type RequiredTool, type RunnerLoadgen } from "../plan/commands.ts";
import { runnerBundleHash } from "./runner-bundle.ts";

/** Inputs of {@link RunnerSetup}. */
export interface RunnerSetupArgs {
  readonly host: pulumi.Input<string>;
  readonly user: string;
  readonly port: number;
  readonly privateKey: pulumi.Input<string>;
  /**
   * The host's public key(s) as OpenSSH known_hosts text (`[10.0.0.2]:2222 ssh-ed25519 AAAA…`, or without brackets
   * on port 22; `knownHostsLines` in components/transport/ssh-options.ts writes them). The only keys the setup accepts.
   */
  readonly knownHosts: pulumi.Input<string>;
  /** Workdir relative to the login user's home. */
  readonly workdir: string;
  /** npm workspaces installed for the host (sorted union of the enabled plugins' extras). */
  readonly workspaces: readonly string[];
  /** The load generators the campaign drives (none on a platform-only host). */
  readonly loadgens: readonly RunnerLoadgen[];
  /** Tools the host must have, e.g. prometheus for a remote embedded platform (default: none). */
  readonly requiredTools?: readonly RequiredTool[];
}

/** Host configuration through Ansible. */
export class RunnerSetup extends pulumi.ComponentResource {
  /** The Ansible run, for ordering what needs the host set up. */
  public readonly ready: command.local.Command;

  constructor(name: string, args: RunnerSetupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:hosts:RunnerSetup", name, {}, opts);
    const requiredTools = args.requiredTools ?? [];
    // Pulumi runs the program from the project directory: the playbook path and the bundle are relative to it.
    const projectDir = process.cwd();
    this.ready = new command.local.Command(
      `${name}-ansible`,
      {
        // What setup ships is part of the command text, so a change in it (plugin code, lockfile, manifests: the
        // installed trees follow from those and the workspaces) is an in-place update that runs setup again. As a
        // replacing trigger it would install the new bundle and then run the old resource's teardown over it.
        create: pulumi.output(args.host).apply(
          (host) =>
            `${ansibleRunnerSetup({
              playbook: "playbooks/setup-runner.yml",
              host,
              user: args.user,
              port: args.port,
              workdir: args.workdir,
              workspaces: args.workspaces,
              loadgens: args.loadgens,
              requiredTools,
              controllerNode: { binary: process.execPath, arch: unameArch(process.arch) },
            })}\n# runner bundle ${runnerBundleHash(projectDir, args.workspaces)}`,
        ),
        // Destroy removes what setup installed (bin/, bundle/); runs, results and memory stay (opt-in cleanup's job).
        delete: pulumi.output(args.host).apply((host) =>
          ansibleHostTeardown({ playbook: "playbooks/teardown-host.yml", host, user: args.user, port: args.port, workdir: args.workdir }),
        ),
        environment: { PEVA_SSH_PRIVATE_KEY: pulumi.secret(args.privateKey), PEVA_KNOWN_HOSTS: args.knownHosts },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

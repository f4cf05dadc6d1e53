/**
 * `RunnerSetup`: configures a remote runner host with Ansible (`playbooks/setup-runner.yml`): Node, the load
 * generator (the bundled static binary copied from the controller, or a check of the user's own tool), the runner
 * bundle and exactly the npm workspaces of the enabled plugins (their "extras"), lock-backed.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ansibleRunnerSetup, type RunnerLoadgen } from "../plan/commands.ts";

/** Inputs of {@link RunnerSetup}. */
export interface RunnerSetupArgs {
  readonly host: pulumi.Input<string>;
  readonly user: string;
  readonly port: number;
  readonly privateKey: pulumi.Input<string>;
  readonly workdir: string;
  /** npm workspaces to install on the runner (sorted union of the enabled plugins' extras). */
  readonly workspaces: readonly string[];
  /** The load generators the campaign drives. */
  readonly loadgens: readonly RunnerLoadgen[];
}

/** Runner host configuration through Ansible. */
export class RunnerSetup extends pulumi.ComponentResource {
  constructor(name: string, args: RunnerSetupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:hosts:RunnerSetup", name, {}, opts);
    new command.local.Command(
      `${name}-ansible`,
      {
        create: pulumi.output(args.host).apply((host) =>
          ansibleRunnerSetup({
            playbook: "playbooks/setup-runner.yml",
            host,
            user: args.user,
            port: args.port,
            workdir: args.workdir,
            workspaces: args.workspaces,
            loadgens: args.loadgens,
          }),
        ),
        environment: { PEVA_SSH_PRIVATE_KEY: pulumi.secret(args.privateKey) },
        triggers: [args.workspaces.join(","), JSON.stringify(args.loadgens)],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

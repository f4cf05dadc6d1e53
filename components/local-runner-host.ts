/**
 * `LocalRunnerHost`: the controller itself as runner host (the `local` stack). Prepares the runner workdir with a
 * `@pulumi/command` resource and reports the host's facts (cores matter: node CPU overload is judged against
 * capacity = cores × 100 %).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** Facts about the runner host. */
export interface HostFacts {
  readonly cores: number;
  readonly kernel: string;
  readonly arch: string;
}

/** Inputs of {@link LocalRunnerHost}. */
export interface LocalRunnerHostArgs {
  /** Runner workdir relative to the project directory. */
  readonly workdir: string;
}

/** Parses the JSON line printed by the workdir command. */
export function parseHostFacts(stdout: string): HostFacts {
  const facts = JSON.parse(stdout) as HostFacts;
  if (!Number.isInteger(facts.cores) || facts.cores < 1) throw new Error(`bad host facts: ${stdout}`);
  return facts;
}

/** The controller as runner host. */
export class LocalRunnerHost extends pulumi.ComponentResource {
  /** Runner workdir (relative to the project). */
  public readonly workdir: pulumi.Output<string>;
  /** Host facts measured on this machine. */
  public readonly facts: pulumi.Output<HostFacts>;

  constructor(name: string, args: LocalRunnerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:hosts:LocalRunnerHost", name, {}, opts);
    // Nothing is removed on delete: the workdir holds benchmark memory, which only opt-in cleanup may delete.
    const prepare = new command.local.Command(
      `${name}-workdir`,
      {
        create: [
          'mkdir -p "$PEVA_WORKDIR/benchmark_results/peva_faas"',
          'printf \'{"cores":%s,"kernel":"%s","arch":"%s"}\' "$(nproc)" "$(uname -r)" "$(uname -m)"',
        ].join(" && "),
        environment: { PEVA_WORKDIR: args.workdir },
      },
      { parent: this },
    );
    this.workdir = pulumi.output(args.workdir);
    this.facts = prepare.stdout.apply(parseHostFacts);
    this.registerOutputs({ workdir: this.workdir, facts: this.facts });
  }
}

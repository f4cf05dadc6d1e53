/**
 * Compute governance wired to the project: the policy files (enterprise, then domain), every stack's `compute`
 * section, parity across `Pulumi.*.yaml`, and `peva-lab check` over a project on disk, with the exact messages of
 * floe's compute registry.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCheckCommand } from "../../config/check-command.ts";
import { computePolicyOf } from "../../config/compute-governance.ts";
import { stackComputeGovernance } from "../../config/project-compute.ts";
import { REPO } from "../support/toolchain.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project with the given policy files and stack files (YAML text). */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "peva-governance-"));
  dirs.push(root);
  mkdirSync(join(root, "policies"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  return root;
}

function check(root: string, available = ["duckdb", "spark"]) {
  let stdout = "";
  let stderr = "";
  const code = runCheckCommand([], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), root, available });
  return { code, stdout, stderr: stderr.trim().split("\n").filter(Boolean) };
}

const ENTERPRISE = "policies/compute-enterprise.yaml";
const DOMAIN = "policies/compute-domain.yaml";
const stackFile = (compute?: object) => (compute ? `config:\n  peva-lab:compute: ${JSON.stringify(compute)}\n` : "config: {}\n");

describe("peva-lab check", () => {
  it("passes on the shipped project: its policy files and every Pulumi.*.yaml", () => {
    const r = check(REPO, ["duckdb"]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("compute policy: policies/compute-enterprise.yaml [duckdb] → policies/compute-domain.yaml [duckdb]");
    expect(r.stdout).toContain("Pulumi.local.yaml: approved [duckdb], default duckdb; aggregates=duckdb, frontier=duckdb, long=duckdb");
    expect(r.stdout).toContain("Pulumi.dev.yaml: approved [duckdb], default duckdb;");
  });

  it("reports a domain that widens the enterprise list, naming the file", () => {
    const root = project({ [ENTERPRISE]: "approved: [duckdb]\n", [DOMAIN]: "approved: [duckdb, spark]\n", "Pulumi.dev.yaml": stackFile() });
    expect(check(root)).toMatchObject({
      code: 1,
      stderr: [`${DOMAIN}: approved: Compute targets ['spark'] are not in the parent approved list. Parent allows: ['duckdb']`],
    });
  });

  it("reports a stack's unapproved choices and parity across stacks, and plugins that cannot be loaded", () => {
    const root = project({
      [ENTERPRISE]: "approved: [duckdb, spark]\ndefault: duckdb\n",
      "Pulumi.dev.yaml": stackFile({ transforms: { aggregates: "spark" } }),
      "Pulumi.lab-a.yaml": stackFile({ approved: ["duckdb"], default: "duckdb", transforms: { frontier: "spark" } }),
      "Pulumi.local.yaml": stackFile(),
    });
    expect(check(root)).toMatchObject({
      code: 1,
      stderr: [
        "Pulumi.lab-a.yaml: peva-lab:compute.transforms.frontier: Compute 'spark' is not in the approved list. Allowed computes: ['duckdb']",
        "peva-lab:compute.transforms.aggregates: Environment parity violation for transform 'aggregates': compute differs across environments (dev=spark, local=duckdb). Each transform must use the same compute in all environments.",
      ],
    });
    expect(check(root, ["duckdb"]).stderr).toEqual([
      `${ENTERPRISE}: approved: Approved compute plugins not found: ['spark']. Check that these plugins are installed and discoverable.`,
    ]);
  });

  it("reports a malformed section or policy file with its path, and no policy file means DuckDB only", () => {
    const root = project({ [ENTERPRISE]: "approved: duckdb\n", "Pulumi.dev.yaml": stackFile({ default: "Spark SQL" }) });
    expect(check(root).stderr).toEqual([
      `${ENTERPRISE}: approved: Invalid input: expected array, received string`,
      "Pulumi.dev.yaml: peva-lab:compute.default: must be a compute plugin name (lower case, digits, '-')",
    ]);
    expect(computePolicyOf([], ["duckdb"]).policy.levels).toEqual([{ scope: "built-in policy", approved: ["duckdb"], default: "duckdb" }]);
  });
});

describe("stackComputeGovernance: what `pulumi up` of one stack stops on", () => {
  it("this stack's own violation and parity with the others; another stack's own mistake is left to `check`", () => {
    const root = project({
      [ENTERPRISE]: "approved: [duckdb, spark]\ndefault: duckdb\n",
      "Pulumi.dev.yaml": stackFile({ default: "trino" }),
      "Pulumi.local.yaml": stackFile(),
    });
    const own = stackComputeGovernance(root, "local", { default: "snowflake" }, ["duckdb", "spark"]);
    expect(own.errors).toEqual(["peva-lab:compute.default: Compute 'snowflake' is not in the approved list. Allowed computes: ['duckdb', 'spark']"]);
    const parity = stackComputeGovernance(join(root), "local", { default: "spark" }, ["duckdb", "spark"]);
    expect(parity.errors).toEqual([]); // dev is invalid on its own, so it is in no parity comparison
    writeFileSync(join(root, "Pulumi.dev.yaml"), stackFile({ default: "duckdb" }));
    // The stack's default and each transform that follows it differ from dev's.
    expect(stackComputeGovernance(root, "local", { default: "spark" }, ["duckdb", "spark"]).errors).toEqual(
      [["default", "*"], ["transforms.aggregates", "aggregates"], ["transforms.frontier", "frontier"], ["transforms.long", "long"]].map(
        ([field, t]) =>
          `peva-lab:compute.${field}: Environment parity violation for transform '${t}': compute differs across environments (dev=duckdb, local=spark). Each transform must use the same compute in all environments.`,
      ),
    );
    const ok = stackComputeGovernance(root, "local", {}, ["duckdb", "spark"]);
    expect(ok).toEqual({ errors: [], resolved: { approved: ["duckdb", "spark"], compute: "duckdb", transforms: { aggregates: "duckdb", frontier: "duckdb", long: "duckdb" } } });
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configReferenceMarkdown, withReference } from "../../config/reference.ts";
import { REPO } from "../support/toolchain.ts";

describe("README stack config reference", () => {
  it("is generated from the schema and up to date (run `npm run docs:config` after changing the schema)", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    expect(withReference(readme)).toBe(readme);
  });

  it("lists every top-level key of the schema", () => {
    const table = configReferenceMarkdown();
    for (const key of ["provisioner", "platform", "plugins", "workloads", "cleanup", "output", "compute", "gatewayPassword", "sshPrivateKey"]) {
      expect(table).toContain(`| \`${key}\` |`);
    }
  });
});

// End-to-end check of peva-lab's pulumi-resource-command substitute, using the
// Automation API with inline programs (no language host needed).
//
//   node tools/pulumi-resource-command/e2e/e2e.mjs   (from the repo root, Node >= 22 on PATH)
//
// Env: PULUMI_ROOT (default <repo>/.tools/pulumi), PLUGIN_BIN (default
// $PULUMI_ROOT/bin/pulumi-resource-command).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation/index.js";

const root = process.env.PULUMI_ROOT ?? fileURLToPath(new URL("../../../.tools/pulumi", import.meta.url));
const pluginBin = process.env.PLUGIN_BIN ?? join(root, "bin", "pulumi-resource-command");
const tmp = mkdtempSync(join(tmpdir(), "cmd-e2e-"));
const pulumiHome = join(tmp, "home");
const envVars = {
    PULUMI_BACKEND_URL: `file://${join(tmp, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "x",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // Use the copy installed into the plugin cache below, not the one on $PATH.
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
};
execFileSync("mkdir", ["-p", join(tmp, "state")]);
execFileSync(join(root, "bin", "pulumi"),
    ["plugin", "install", "resource", "command", "1.2.1", "--file", pluginBin],
    { env: { ...process.env, ...envVars, PULUMI_HOME: pulumiHome }, stdio: "inherit" });

const pulumiCommand = await PulumiCommand.get({ root });
const opts = { pulumiHome, envVars, pulumiCommand };
const projectName = "cmde2e";

function step(name) { console.log(`\n=== ${name}`); }
function changes(res) { return res.summary.resourceChanges ?? {}; }

const helloProgram = (foo) => async () => {
    const hello = new command.local.Command("hello", {
        create: "echo hi-$FOO",
        environment: { FOO: foo },
        delete: "echo bye",
    });
    const sec = new command.local.Command("sec", {
        create: "echo token-$TOKEN",
        environment: pulumi.secret({ TOKEN: "s3cret" }),
    });
    const run = await command.local.run({ command: "echo run-ok" });
    return { stdout: hello.stdout, secStdout: sec.stdout, runStdout: run.stdout };
};

let failed = false;
try {
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: "dev", projectName, program: helloProgram("x") }, opts);

    step("up #1");
    let res = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    assert.equal(res.outputs.stdout.value, "hi-x");
    assert.equal(res.outputs.secStdout.secret, true, "stdout of a command with secret env must be secret");
    assert.equal(res.outputs.secStdout.value, "token-s3cret");
    assert.equal(res.outputs.runStdout.value, "run-ok");
    assert.equal(changes(res).create, 3); // stack + 2 commands
    console.log("summary:", changes(res));

    step("up #2 (no changes expected)");
    res = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    console.log("summary:", changes(res));
    assert.deepEqual(Object.keys(changes(res)), ["same"]);

    step("up #3 (environment changed -> update)");
    stack.workspace.program = helloProgram("y");
    res = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    console.log("summary:", changes(res));
    assert.equal(changes(res).update, 1);
    assert.equal(changes(res).replace, undefined);
    assert.equal(res.outputs.stdout.value, "hi-y");

    step("destroy");
    let out = "";
    const d = await stack.destroy({ onOutput: (s) => { out += s; process.stdout.write(s); } });
    console.log("summary:", d.summary.resourceChanges);
    assert.equal(d.summary.result, "succeeded");
    assert.match(out, /bye/, "delete command output should be logged");
    const exported = await stack.exportStack();
    assert.equal((exported.deployment.resources ?? []).length, 0, "stack must have no resources");

    step("preview runs nothing");
    const marker = join(tmp, "preview-marker");
    const previewStack = await LocalWorkspace.createOrSelectStack({
        stackName: "preview", projectName,
        program: async () => { new command.local.Command("p", { create: `touch ${marker}` }); },
    }, opts);
    const pv = await previewStack.preview();
    assert.equal(pv.changeSummary.create, 2);
    assert.equal(existsSync(marker), false, "preview must not run the create command");

    step("failing command (exit 3)");
    const failStack = await LocalWorkspace.createOrSelectStack({
        stackName: "fail", projectName,
        program: async () => { new command.local.Command("boom", { create: "echo oops >&2; exit 3" }); },
    }, opts);
    await assert.rejects(failStack.up(), (err) => {
        console.log("error (expected):", String(err.message ?? err).split("\n").filter((l) => /exit code|oops/.test(l)).join("\n"));
        assert.match(String(err), /exit code 3/);
        assert.match(String(err), /oops/);
        return true;
    });

    step("remote Command is rejected clearly");
    const remoteStack = await LocalWorkspace.createOrSelectStack({
        stackName: "remote", projectName,
        program: async () => {
            new command.remote.Command("r", { connection: { host: "example.invalid" }, create: "true" });
        },
    }, opts);
    await assert.rejects(remoteStack.up(), (err) => {
        assert.match(String(err), /command:remote:Command is not supported by peva-lab's offline command provider substitute/);
        assert.match(String(err), /official pulumi-resource-command 1\.2\.1/);
        return true;
    });
    console.log("\nE2E OK");
} catch (e) {
    failed = true;
    console.error("\nE2E FAILED:", e);
} finally {
    if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
    else console.log("kept", tmp);
}
process.exit(failed ? 1 : 0);

// End-to-end check of peva-lab's pulumi-resource-command substitute, using the
// Automation API with inline programs (no language host needed).
//
//   node tools/pulumi-resource-command/e2e/e2e.mjs   (from the repo root, Node >= 22 on PATH)
//
// The remote part starts its own OpenSSH sshd in a network namespace (needs
// root, ip, sshd and ssh-keygen: scripts/bootstrap installs them) and removes
// it at the end.
//
// Env: PULUMI_ROOT (default <repo>/.tools/pulumi), PLUGIN_BIN (default
// $PULUMI_ROOT/bin/pulumi-resource-command).
import { execFileSync, spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
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


// ---- a real sshd in a network namespace ------------------------------------

function findTool(name) {
    for (const dir of [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"]) {
        if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
    throw new Error(`${name} not found; run scripts/bootstrap (it installs openssh-server, openssh-client and iproute2)`);
}

/** Resolves once host:22 sends an SSH banner, or rejects after 20 s. */
async function waitForSsh(host) {
    const deadline = Date.now() + 20_000;
    for (;;) {
        const banner = await new Promise((resolve) => {
            const sock = connect({ host, port: 22, timeout: 1000 });
            sock.once("data", (d) => { sock.destroy(); resolve(String(d)); });
            sock.once("error", () => resolve(""));
            sock.once("timeout", () => { sock.destroy(); resolve(""); });
        });
        if (banner.startsWith("SSH-")) return;
        if (Date.now() > deadline) throw new Error(`sshd on ${host} did not answer within 20 s`);
        await sleep(100);
    }
}

/**
 * Starts sshd in a new namespace on a random 10.214.x.0/30 link (the Go tests
 * use the same range; test/support/netns-host.ts uses 10.213.x). Returns the
 * address, keys and a stop() that removes everything.
 */
async function startNetnsSshd(dir) {
    if (process.getuid?.() !== 0) throw new Error("the remote e2e needs root for `ip netns` (see scripts/bootstrap)");
    const ip = findTool("ip"), sshd = findTool("sshd"), keygen = findTool("ssh-keygen");
    const id = `${process.pid % 1000}${randomInt(100, 999)}`;
    const ns = `peva-cmde2e-${id}`, hostSide = `pce${id}`, nsSide = `pcf${id}`;
    const subnet = `10.214.${128 + randomInt(0, 128)}`; // the Go tests use 10.214.0-127.x
    const address = `${subnet}.2`;
    let daemon;
    const stop = () => {
        daemon?.kill("SIGKILL");
        try { execFileSync(ip, ["netns", "del", ns], { stdio: "ignore" }); } catch { /* already gone */ }
        try { execFileSync(ip, ["link", "del", hostSide], { stdio: "ignore" }); } catch { /* removed with the namespace */ }
    };
    try {
        const run = (...args) => execFileSync(ip, args, { stdio: ["ignore", "ignore", "inherit"] });
        run("netns", "add", ns);
        run("link", "add", hostSide, "type", "veth", "peer", "name", nsSide);
        run("link", "set", nsSide, "netns", ns);
        run("addr", "add", `${subnet}.1/30`, "dev", hostSide);
        run("link", "set", hostSide, "up");
        run("netns", "exec", ns, ip, "addr", "add", `${address}/30`, "dev", nsSide);
        run("netns", "exec", ns, ip, "link", "set", nsSide, "up");
        run("netns", "exec", ns, ip, "link", "set", "lo", "up");
        for (const k of ["host_key", "client_key", "other_key"]) {
            execFileSync(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, k)]);
        }
        writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")));
        mkdirSync("/run/sshd", { recursive: true });
        writeFileSync(join(dir, "sshd_config"), [
            `ListenAddress ${address}`, "Port 22",
            `HostKey ${join(dir, "host_key")}`,
            `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
            `PidFile ${join(dir, "sshd.pid")}`,
            "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "UsePAM no", "StrictModes no", "Subsystem sftp internal-sftp", "",
        ].join("\n"));
        daemon = spawn(ip, ["netns", "exec", ns, sshd, "-D", "-e", "-f", join(dir, "sshd_config")], { stdio: "ignore" });
        await waitForSsh(address);
        return {
            address,
            privateKey: readFileSync(join(dir, "client_key"), "utf8"),
            hostKey: readFileSync(join(dir, "host_key.pub"), "utf8").trim(),
            otherKey: readFileSync(join(dir, "other_key.pub"), "utf8").trim(),
            stop,
        };
    } catch (e) {
        stop();
        throw e;
    }
}

let failed = false;
let sshHost;
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

    step("remote: start sshd in a network namespace");
    const sshDir = join(tmp, "sshd");
    mkdirSync(sshDir);
    sshHost = await startNetnsSshd(sshDir);
    const remoteDir = join(tmp, "remote"); // the namespace shares this file system
    const localDir = join(tmp, "local");
    mkdirSync(join(localDir, "site", "css"), { recursive: true });
    writeFileSync(join(localDir, "app.conf"), "v1\n");
    writeFileSync(join(localDir, "site", "index.html"), "<h1>hi</h1>");
    writeFileSync(join(localDir, "site", "css", "a.css"), "a{}");
    const connection = (extra = {}) => ({
        host: sshHost.address,
        privateKey: pulumi.secret(sshHost.privateKey),
        hostKey: sshHost.hostKey,
        dialErrorLimit: 2,
        ...extra,
    });
    const remoteProgram = (greeting) => async () => {
        const rc = new command.remote.Command("rc", {
            connection: connection(),
            create: `mkdir -p ${remoteDir} && echo "created $GREETING" >> ${remoteDir}/log && echo hello-$GREETING`,
            update: `echo "updated $GREETING prev=$PULUMI_COMMAND_STDOUT" >> ${remoteDir}/log && echo hello-$GREETING; cat`,
            delete: `echo "deleted prev=$PULUMI_COMMAND_STDOUT" >> ${remoteDir}/log`,
            environment: { GREETING: greeting },
            stdin: "from-stdin",
        });
        new command.remote.CopyToRemote("cp-file", {
            connection: connection(),
            source: new pulumi.asset.FileAsset(join(localDir, "app.conf")),
            remotePath: join(remoteDir, "etc", "app.conf"),
        }, { dependsOn: rc });
        new command.remote.CopyToRemote("cp-dir", {
            connection: connection(),
            source: new pulumi.asset.FileArchive(join(localDir, "site")),
            remotePath: join(remoteDir, "www"),
        }, { dependsOn: rc });
        return { stdout: rc.stdout };
    };
    const remoteStack = await LocalWorkspace.createOrSelectStack(
        { stackName: "remote", projectName, program: remoteProgram("x") }, opts);

    step("remote: up #1 (create)");
    res = await remoteStack.up({ onOutput: (s) => process.stdout.write(s) });
    console.log("summary:", changes(res));
    assert.equal(changes(res).create, 4); // stack + Command + 2 copies
    assert.equal(res.outputs.stdout.value, "hello-x");
    assert.equal(res.outputs.stdout.secret, true, "remote stdout is secret (the connection is), as upstream");
    assert.equal(readFileSync(join(remoteDir, "log"), "utf8"), "created x\n");
    assert.equal(readFileSync(join(remoteDir, "etc", "app.conf"), "utf8"), "v1\n");
    assert.equal(readFileSync(join(remoteDir, "www", "site", "css", "a.css"), "utf8"), "a{}");
    // The backend's state file (not exportStack(), which decrypts secrets).
    const stateFiles = readdirSync(join(tmp, "state"), { recursive: true })
        .filter((f) => String(f).endsWith(`${join(projectName, "remote")}.json`));
    assert.equal(stateFiles.length, 1, `state file of stack "remote" not found`);
    const state = readFileSync(join(tmp, "state", String(stateFiles[0])), "utf8");
    assert.match(state, /"ciphertext"/, "secrets in the state file must be encrypted");
    assert.doesNotMatch(state, /PRIVATE KEY/, "the private key must not be stored in plain text");

    step("remote: up #2 (no changes expected)");
    res = await remoteStack.up({ onOutput: (s) => process.stdout.write(s) });
    console.log("summary:", changes(res));
    assert.deepEqual(Object.keys(changes(res)), ["same"]);
    assert.equal(readFileSync(join(remoteDir, "log"), "utf8"), "created x\n", "a no-op up must not run anything");

    step("remote: up #3 (environment and file content changed -> updates)");
    writeFileSync(join(localDir, "app.conf"), "v2\n");
    remoteStack.workspace.program = remoteProgram("y");
    res = await remoteStack.up({ onOutput: (s) => process.stdout.write(s) });
    console.log("summary:", changes(res));
    assert.equal(changes(res).update, 2); // the Command and the file copy
    assert.equal(changes(res).replace, undefined);
    assert.equal(res.outputs.stdout.value, "hello-y\nfrom-stdin");
    assert.equal(readFileSync(join(remoteDir, "log"), "utf8"), "created x\nupdated y prev=hello-x\n");
    assert.equal(readFileSync(join(remoteDir, "etc", "app.conf"), "utf8"), "v2\n");

    step("remote: destroy");
    const rd = await remoteStack.destroy({ onOutput: (s) => process.stdout.write(s) });
    assert.equal(rd.summary.result, "succeeded");
    assert.equal(readFileSync(join(remoteDir, "log"), "utf8"),
        "created x\nupdated y prev=hello-x\ndeleted prev=hello-y\nfrom-stdin\n");
    assert.equal(existsSync(join(remoteDir, "etc", "app.conf")), true, "CopyToRemote leaves files on delete, as upstream");

    step("remote: a wrong host key is refused");
    const badKeyStack = await LocalWorkspace.createOrSelectStack({
        stackName: "badkey", projectName,
        program: async () => {
            new command.remote.Command("bad", { connection: connection({ hostKey: sshHost.otherKey }), create: "true" });
        },
    }, opts);
    await assert.rejects(badKeyStack.up(), (err) => {
        console.log("error (expected):", String(err).split("\n").find((l) => /host key mismatch/.test(l))?.trim());
        assert.match(String(err), new RegExp(`host key mismatch for root@${sshHost.address.replaceAll(".", "\\.")}:22`));
        return true;
    });

    step("remote CopyFile is still rejected clearly");
    const copyFileStack = await LocalWorkspace.createOrSelectStack({
        stackName: "copyfile", projectName,
        program: async () => {
            new command.remote.CopyFile("cf", {
                connection: connection(), localPath: join(localDir, "app.conf"), remotePath: join(remoteDir, "cf"),
            });
        },
    }, opts);
    await assert.rejects(copyFileStack.up(), (err) => {
        assert.match(String(err), /command:remote:CopyFile is not supported by peva-lab's offline command provider substitute/);
        assert.match(String(err), /official pulumi-resource-command 1\.2\.1/);
        return true;
    });
    console.log("\nE2E OK");
} catch (e) {
    failed = true;
    console.error("\nE2E FAILED:", e);
} finally {
    sshHost?.stop();
    if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
    else console.log("kept", tmp);
}
process.exit(failed ? 1 : 0);

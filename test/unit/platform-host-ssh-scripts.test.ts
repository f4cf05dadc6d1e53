/**
 * The pure parts of supervising the platform over SSH (components/platform-host/ssh-scripts.ts): user text travels
 * on stdin and never inside a script, markers that could match loosely are refused, and the host's replies are
 * parsed strictly. The scripts' behaviour on a real host is tested in test/integration/remote-platform.test.ts.
 */
import { describe, expect, it } from "vitest";
import { UnsafeMarkerError } from "../../components/platform-host/errors.ts";
import { freePortsCommand, ownedCommand, parsePorts, parsePositiveInteger, startCommand, stopCommand } from "../../components/platform-host/ssh-scripts.ts";

const HOSTILE = "/home/u/it's $(reboot) `id` \"x\"; rm -rf ~";

describe("startCommand", () => {
  it("passes the whole command line NUL-separated on stdin, in the order the script reads it", () => {
    const cmd = startCommand({ binDir: "/r/bin", logFile: "/r/platform/logs/gateway.log", pidFile: "/r/platform/gateway.pid", command: "/r/bin/node", args: ["main.ts", "--port", "1"] });
    const fields = ["/r/platform/logs/gateway.log", "/r/platform/gateway.pid", "/r/bin", "/r/bin/node", "main.ts", "--port", "1"];
    expect(cmd.stdin).toBe(fields.map((f) => `${f}\0`).join(""));
    expect(cmd.script.startsWith("exec xargs -0 sh -c ")).toBe(true);
    expect(cmd.script).toContain("setsid");
  });

  it("keeps every path and argument out of the script", () => {
    const cmd = startCommand({ binDir: HOSTILE, logFile: `${HOSTILE}/log`, pidFile: `${HOSTILE}/pid`, command: "prometheus", args: [`--config.file=${HOSTILE}`] });
    expect(cmd.script).not.toContain("reboot");
    expect(cmd.script).not.toContain("prometheus");
    expect(cmd.stdin.split("\0")).toContain(`--config.file=${HOSTILE}`);
  });

  it("the same script for every start: nothing varies but stdin", () => {
    const a = startCommand({ binDir: "/a", logFile: "/a/l", pidFile: "/a/p", command: "x", args: [] });
    const b = startCommand({ binDir: "/b", logFile: "/b/l", pidFile: "/b/p", command: "y", args: ["1"] });
    expect(a.script).toBe(b.script);
  });
});

describe("ownedCommand and stopCommand", () => {
  it("send the marker on stdin and put only the pid into the script", () => {
    const owned = ownedCommand(4242, HOSTILE);
    const stop = stopCommand(4242, HOSTILE, 10_000);
    for (const cmd of [owned, stop]) {
      expect(cmd.stdin).toBe(HOSTILE);
      expect(cmd.script).toContain("pid=4242");
      expect(cmd.script).not.toContain("reboot");
    }
  });

  it("stop checks the marker before each signal and signals the process group first", () => {
    const lines = stopCommand(77, "/r/platform", 10_000).script.split("\n");
    const firstTerm = lines.findIndex((l) => l.includes("kill -TERM"));
    const firstKill = lines.findIndex((l) => l.includes("kill -KILL"));
    expect(lines.slice(0, firstTerm).some((l) => l.startsWith("ours || "))).toBe(true);
    expect(lines[firstKill]).toMatch(/^if ours; then kill -KILL "-\$pid"/);
    expect(lines[firstTerm]).toMatch(/^kill -TERM "-\$pid"/);
    // dash's kill has no `--`: a script using it would fall back to signalling the leader alone.
    expect(lines.join("\n")).not.toContain("kill -TERM --");
  });

  it("the grace period becomes 100 ms ticks", () => {
    expect(stopCommand(77, "m", 10_000).script).toContain('while [ "$ticks" -lt 100 ]; do');
    expect(stopCommand(77, "m", 50).script).toContain('while [ "$ticks" -lt 1 ]; do');
  });

  it("refuses a marker that would match loosely: empty, or more than one line", () => {
    for (const marker of ["", "a\nb", "a\rb", "a\0b"]) {
      expect(() => ownedCommand(77, marker)).toThrow(UnsafeMarkerError);
      expect(() => stopCommand(77, marker, 1_000)).toThrow(UnsafeMarkerError);
    }
    expect(() => ownedCommand(77, "")).toThrow('refusing to supervise a process by the marker "": it must be one non-empty line');
  });

  it("refuses pids that would signal more than one process (0, 1, negative) or are not integers", () => {
    for (const pid of [0, 1, -5, 2.5, Number.NaN]) expect(() => stopCommand(pid, "m", 1_000)).toThrow(/not a process id/);
  });
});

describe("freePortsCommand", () => {
  it("runs the host's Node with the address on stdin", () => {
    const cmd = freePortsCommand("/home/u/.peva-lab/bin/node", "10.0.0.7", 3);
    expect(cmd.script.startsWith("exec /home/u/.peva-lab/bin/node -e ")).toBe(true);
    expect(cmd.script).toContain("i < 3");
    expect(cmd.stdin).toBe("10.0.0.7");
    expect(cmd.script).not.toContain("10.0.0.7");
  });

  it("refuses a count below one", () => {
    expect(() => freePortsCommand("/n", "a", 0)).toThrow(/cannot pick 0 ports/);
  });
});

describe("reply parsers", () => {
  it("parsePorts wants exactly `count` distinct valid ports", () => {
    expect(parsePorts("40001 40002 40003\n", 3)).toEqual([40001, 40002, 40003]);
    expect(parsePorts("40001 40002\n", 3)).toBeUndefined();
    expect(parsePorts("40001 40001 40003", 3)).toBeUndefined();
    expect(parsePorts("40001 70000 40003", 3)).toBeUndefined();
    expect(parsePorts("40001 0 40003", 3)).toBeUndefined();
    expect(parsePorts("Welcome! 1 2 3", 3)).toBeUndefined();
  });

  it("parsePositiveInteger wants one positive integer alone", () => {
    expect(parsePositiveInteger("4\n")).toBe(4);
    expect(parsePositiveInteger(" 12345 ")).toBe(12345);
    for (const bad of ["", "0", "-1", "4 4", "4.5", "motd\n4", "99999999999999999999"]) expect(parsePositiveInteger(bad)).toBeUndefined();
  });
});

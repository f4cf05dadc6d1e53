import { describe, expect, it } from "vitest";
import {
  parseSchedstatWaitSeconds,
  parseStatCpuSeconds,
  parseStatParent,
  parseStatusRssBytes,
  readCpuSeconds,
  readCpuWaitSeconds,
  readParent,
  readRssBytes,
} from "../../src/proc.ts";

// A real /proc/<pid>/stat line, with a command name containing a space and a parenthesis.
const STAT = "4242 (node (worker) x) S 4200 4242 4200 0 -1 4194304 1234 0 0 0 250 75 0 0 20 0 11 0 9876 1234567 20000 18446744073709551615";

describe("parseStatCpuSeconds", () => {
  it("sums utime and stime after the command name, in seconds", () => {
    expect(parseStatCpuSeconds(STAT)).toBe(3.25);
    expect(parseStatCpuSeconds(STAT, 1000)).toBe(0.325);
  });
  it("rejects text that is not a stat line", () => {
    expect(parseStatCpuSeconds("")).toBeUndefined();
    expect(parseStatCpuSeconds("1 (x) S 0")).toBeUndefined();
  });
});

describe("parseStatParent", () => {
  it("reads state and ppid", () => {
    expect(parseStatParent(STAT)).toEqual({ ppid: 4200, state: "S" });
    expect(parseStatParent("7 (zombie) Z 1 7 7")).toEqual({ ppid: 1, state: "Z" });
  });
});

describe("parseStatusRssBytes", () => {
  it("reads VmRSS in kB", () => {
    expect(parseStatusRssBytes("Name:\tnode\nVmPeak:\t  99999 kB\nVmRSS:\t   81234 kB\nRssAnon:\t 1 kB\n")).toBe(81234 * 1024);
  });
  it("is undefined without VmRSS (kernel threads, zombies)", () => {
    expect(parseStatusRssBytes("Name:\tkthreadd\nState:\tS\n")).toBeUndefined();
  });
});

describe("parseSchedstatWaitSeconds", () => {
  it("reads the run delay (second field, ns) in seconds, not the run time (first field)", () => {
    expect(parseSchedstatWaitSeconds("952086000 2500000000 17\n")).toBe(2.5);
    expect(parseSchedstatWaitSeconds("1 0 1")).toBe(0);
  });
  it("rejects text that is not a schedstat line", () => {
    expect(parseSchedstatWaitSeconds("")).toBeUndefined();
    expect(parseSchedstatWaitSeconds("12 34")).toBeUndefined();
    expect(parseSchedstatWaitSeconds("12 x 3")).toBeUndefined();
  });
});

describe("readers", () => {
  it("read this process and return undefined for a pid that cannot exist", () => {
    expect(readCpuSeconds(process.pid)).toBeGreaterThanOrEqual(0);
    expect(readRssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    expect(readParent(process.pid)?.ppid).toBe(process.ppid);
    expect(readCpuSeconds(2 ** 31 - 1)).toBeUndefined();
    expect(readRssBytes(2 ** 31 - 1)).toBeUndefined();
    expect(readCpuWaitSeconds(process.pid)).toBeGreaterThanOrEqual(0);
    expect(readCpuWaitSeconds(2 ** 31 - 1)).toBeUndefined();
  });
});

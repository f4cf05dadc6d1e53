import { basename, join } from "node:path";
import type { LoadTarget } from "@peva-lab/core";
import { describe, expect, it } from "vitest";
import { attackArgv, decimalSeconds, encodeArgv, jsonTarget, reportArgv, runFiles, targetsFileContent } from "../../src/argv.ts";
import { DEFAULT_VEGETA_SETTINGS } from "../../src/settings.ts";

const HOSTILE_NAME = `fn"; rm -rf / #$(touch /tmp/pwned)\`id\`\n../../etc/passwd`;
const HOSTILE_BODY = `{"q":"it's \\"quoted\\""}\nline two\r\n$(reboot) \`id\` héllo 🚀 \u2028 end`;
const HOSTILE_HEADERS = {
  "X-Quote": `a"b'c`,
  "X-Subst": "$(curl evil) `id`",
  "X-Unicode": "ünïcødé ✓",
  "X-Newline": "one\ntwo",
};

function target(over: Partial<LoadTarget> = {}): LoadTarget {
  return {
    functionName: HOSTILE_NAME,
    url: "http://127.0.0.1:8080/function/x?a=1&b=$(id)",
    method: "POST",
    body: HOSTILE_BODY,
    headers: HOSTILE_HEADERS,
    rate: 25,
    ...over,
  };
}

describe("targets file", () => {
  it("is one JSON line in vegeta's json format: method, url, base64 body, headers as arrays", () => {
    const content = targetsFileContent(target());
    const lines = content.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe("");
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(["body", "header", "method", "url"]);
    expect(parsed["method"]).toBe("POST");
    expect(parsed["url"]).toBe("http://127.0.0.1:8080/function/x?a=1&b=$(id)");
    expect(parsed["header"]).toEqual({
      "X-Quote": [`a"b'c`],
      "X-Subst": ["$(curl evil) `id`"],
      "X-Unicode": ["ünïcødé ✓"],
      "X-Newline": ["one\ntwo"],
    });
  });

  it("round-trips a hostile body through base64 of its UTF-8 bytes", () => {
    const { body } = jsonTarget(target());
    expect(body).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    expect(Buffer.from(body, "base64").toString("utf8")).toBe(HOSTILE_BODY);
    expect(jsonTarget(target({ body: "" })).body).toBe("");
  });

  it("never contains the function name", () => {
    expect(targetsFileContent(target())).not.toContain("rm -rf");
    expect(targetsFileContent(target())).not.toContain("pwned");
  });
});

describe("file names", () => {
  it("derive from the index only", () => {
    const dir = join("work dir", "run 1");
    const f = runFiles(dir, 3);
    expect(f).toEqual({
      targets: join(dir, "target-3.json"),
      results: join(dir, "results-3.bin"),
      log: join(dir, "attack-3.log"),
      decoded: join(dir, "decoded-3.jsonl"),
      progress: join(dir, "progress-3.jsonl"),
    });
    for (const p of Object.values(runFiles("/w", 0))) expect(basename(p)).toMatch(/^(target|results|attack|decoded|progress)-\d+\.(json|bin|log|jsonl)$/);
  });

  it("reject an index that is not a whole number", () => {
    expect(() => runFiles("/w", -1)).toThrow(RangeError);
    expect(() => runFiles("/w", 1.5)).toThrow(RangeError);
  });
});

describe("attack argv", () => {
  const files = runFiles("/w", 2);
  const base = { targetsFile: files.targets, resultsFile: files.results, rate: 25, durationSeconds: 30, timeoutSeconds: 5 };

  it("is the exact vegeta attack flag list, booleans spelled out", () => {
    expect(attackArgv({ ...base, settings: DEFAULT_VEGETA_SETTINGS })).toEqual([
      "attack",
      "-format=json",
      "-targets=/w/target-2.json",
      "-rate=25/1s",
      "-duration=30s",
      "-timeout=5s",
      "-max-workers=10000",
      "-keepalive=true",
      "-connections=10000",
      "-http2=false",
      "-output=/w/results-2.bin",
    ]);
  });

  it("carries the settings", () => {
    const argv = attackArgv({
      ...base,
      durationSeconds: 2.5,
      timeoutSeconds: 0.25,
      settings: { max_workers: 7, keepalive: false, connections: 3, http2: true },
    });
    expect(argv).toContain("-duration=2.5s");
    expect(argv).toContain("-timeout=0.25s");
    expect(argv).toContain("-max-workers=7");
    expect(argv).toContain("-keepalive=false");
    expect(argv).toContain("-connections=3");
    expect(argv).toContain("-http2=true");
  });

  it("never contains anything from the target but the rate", () => {
    const text = attackArgv({ ...base, settings: DEFAULT_VEGETA_SETTINGS }).join("\u0000");
    for (const needle of ["rm -rf", "pwned", "127.0.0.1", "POST", "X-Quote", "héllo"]) expect(text).not.toContain(needle);
  });

  it("rejects a rate that is not a whole number > 0", () => {
    for (const rate of [0, -1, 2.5, Number.NaN]) expect(() => attackArgv({ ...base, rate, settings: DEFAULT_VEGETA_SETTINGS })).toThrow(RangeError);
  });

  it("encode and report read the results file", () => {
    expect(encodeArgv("/w/results-0.bin", "/w/decoded-0.jsonl")).toEqual(["encode", "--to=json", "--output=/w/decoded-0.jsonl", "/w/results-0.bin"]);
    expect(reportArgv("/w/results-0.bin")).toEqual(["report", "-type=json", "/w/results-0.bin"]);
  });
});

describe("decimalSeconds", () => {
  it("prints plain decimals without exponent", () => {
    expect(decimalSeconds(2)).toBe("2");
    expect(decimalSeconds(0.5)).toBe("0.5");
    expect(decimalSeconds(1e-7)).toBe("0.0000001");
    expect(decimalSeconds(123456.000000001)).toBe("123456.000000001");
  });

  it("rejects zero, negatives, non-finite and sub-nanosecond values", () => {
    for (const v of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e-10]) expect(() => decimalSeconds(v)).toThrow(RangeError);
  });
});

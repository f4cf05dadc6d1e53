import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_BODIES, DEFAULT_ITERATIONS, FUNCTION_NAMES, isFunctionName } from "../../src/functions.ts";
import { loadHandler, renderEnvironment, watchdogVariables, type Invocation } from "../../src/handlers.ts";
import { isInvokeMessage, isWorkerMessage } from "../../src/protocol.ts";
import { workerEnvironment } from "../../src/pool.ts";

const inv = (body: string | Uint8Array, over: Partial<Invocation> = {}): Invocation => ({
  body: typeof body === "string" ? new TextEncoder().encode(body) : body,
  method: "POST",
  path: "/",
  query: "",
  headers: {},
  ...over,
});

describe("functions", () => {
  it("have the DFaaS default bodies", () => {
    expect(DEFAULT_BODIES).toEqual({
      figlet: "Hello DFaas!",
      shasum: "abcde",
      env: "",
      markdown: "# Title\n**Hello** world!",
      qrcode: "http://www.google.com",
    });
  });
  it("every function has a positive integer work knob", () => {
    for (const name of FUNCTION_NAMES) expect(Number.isInteger(DEFAULT_ITERATIONS[name]) && DEFAULT_ITERATIONS[name] >= 1).toBe(true);
    expect(isFunctionName("figlet")).toBe(true);
    expect(isFunctionName("toString")).toBe(false);
  });
});

describe("handlers do the real work", () => {
  it("figlet renders the Standard font", async () => {
    const out = await (await loadHandler("figlet"))(inv("Hi"), 2);
    expect(out).toBe(["  _   _ _ ", " | | | (_)", " | |_| | |", " |  _  | |", " |_| |_|_|", "          ", ""].join("\n"));
  });

  it("shasum is the SHA-256 of the raw bytes, also for non-UTF-8 input", async () => {
    const shasum = await loadHandler("shasum");
    expect(await shasum(inv("abcde"), 3)).toBe("36bbe50ed96841d10443bcb670d6554f0a34b761be67ec9c4a8ad2c0c44ca42c\n");
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x80]);
    expect(await shasum(inv(bytes), 1)).toBe(`${createHash("sha256").update(bytes).digest("hex")}\n`);
  });

  it("markdown renders HTML", async () => {
    expect(await (await loadHandler("markdown"))(inv(DEFAULT_BODIES.markdown), 2)).toBe("<h1>Title</h1>\n<p><strong>Hello</strong> world!</p>\n");
  });

  it("qrcode renders an SVG, and fails on an empty body like the library does", async () => {
    const qrcode = await loadHandler("qrcode");
    const svg = await qrcode(inv(DEFAULT_BODIES.qrcode), 1);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>.*<\/svg>\n?$/s);
    await expect(qrcode(inv(""), 1)).rejects.toThrow();
  });

  it("env prints the process environment then the watchdog's request variables", async () => {
    const out = await (await loadHandler("env"))(inv("", { method: "GET", path: "/x", query: "a=1", headers: { "content-type": "text/plain", "x-call-id": "7" } }), 1);
    const lines = out.trimEnd().split("\n");
    expect(lines).toContain("Http_Method=GET");
    expect(lines).toContain("Http_Path=/x");
    expect(lines).toContain("Http_Query=a=1");
    expect(lines).toContain("Http_ContentLength=0");
    expect(lines).toContain("Http_Content_Type=text/plain");
    expect(lines).toContain("Http_X_Call_Id=7");
    expect(lines.indexOf("Http_Method=GET")).toBeGreaterThan(0);
  });

  it("renderEnvironment lets request variables override, once", () => {
    expect(renderEnvironment({ A: "1", Http_Method: "stale", U: undefined }, { Http_Method: "PUT" })).toBe("A=1\nHttp_Method=PUT\n");
    expect(watchdogVariables(inv("xyz"))).toEqual({ Http_Method: "POST", Http_Path: "/", Http_Query: "", Http_ContentLength: "3" });
  });

  it("a replica's environment carries no gateway secrets", () => {
    const env = workerEnvironment("env", 3);
    expect(Object.keys(env).sort()).toEqual(["HOME", "HOSTNAME", "PATH", "PEVA_FUNCTION", "PEVA_REPLICA", "fprocess"]);
    expect(env).toMatchObject({ HOSTNAME: "env-3", fprocess: "peva-local/env" });
  });
});

describe("protocol guards", () => {
  it("accept well-formed messages and reject others", () => {
    expect(isInvokeMessage({ type: "invoke", id: 1, body: new Uint8Array(), method: "GET", path: "/", query: "", headers: {} })).toBe(true);
    expect(isInvokeMessage({ type: "invoke", id: 1, body: "text", method: "GET", path: "/", query: "", headers: {} })).toBe(false);
    expect(isWorkerMessage({ type: "ready", cpuSeconds: 0.1 })).toBe(true);
    expect(isWorkerMessage({ type: "result", id: 1, ok: true, output: "x", execSeconds: 0, cpuSeconds: 0 })).toBe(true);
    expect(isWorkerMessage({ type: "result", id: "1" })).toBe(false);
    expect(isWorkerMessage(null)).toBe(false);
  });
});

/**
 * The real work of each function. Loaded lazily inside a worker process, so a replica imports only its own
 * library (a figlet replica never pays for `marked` or `qrcode`).
 */
import { createHash } from "node:crypto";
import type { FunctionName } from "./functions.ts";

/** What a function receives: the raw body plus the request line and headers (for `env`, like the watchdog). */
export interface Invocation {
  readonly body: Uint8Array;
  readonly method: string;
  /** Path after `/function/<name>`, `/` when empty. */
  readonly path: string;
  /** Raw query string without `?`, `""` when absent. */
  readonly query: string;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Runs one invocation `iterations` times (≥ 1) and returns the output of the last run. */
export type Handler = (invocation: Invocation, iterations: number) => Promise<string>;

const decoder = new TextDecoder("utf-8");

function text(invocation: Invocation): string {
  return decoder.decode(invocation.body);
}

/** Loads the handler of `name`, importing only the library it needs. */
export async function loadHandler(name: FunctionName): Promise<Handler> {
  switch (name) {
    case "figlet": {
      const { default: figlet } = await import("figlet");
      return async (invocation, iterations) => {
        const input = text(invocation);
        let out = "";
        for (let i = 0; i < iterations; i++) out = figlet.textSync(input, { font: "Standard" });
        return `${out}\n`;
      };
    }
    case "shasum":
      return async (invocation, iterations) => {
        let out = "";
        for (let i = 0; i < iterations; i++) out = createHash("sha256").update(invocation.body).digest("hex");
        return `${out}\n`;
      };
    case "env":
      return async (invocation, iterations) => {
        let out = "";
        for (let i = 0; i < iterations; i++) out = renderEnvironment(process.env, watchdogVariables(invocation));
        return out;
      };
    case "markdown": {
      const { marked } = await import("marked");
      return async (invocation, iterations) => {
        const input = text(invocation);
        let out = "";
        // `async: false` makes parse return a string (marked's types allow a Promise otherwise).
        for (let i = 0; i < iterations; i++) out = marked.parse(input, { async: false });
        return out;
      };
    }
    case "qrcode": {
      const { default: QRCode } = await import("qrcode");
      return async (invocation, iterations) => {
        const input = text(invocation);
        let out = "";
        for (let i = 0; i < iterations; i++) out = await QRCode.toString(input, { type: "svg" });
        return out;
      };
    }
  }
}

/**
 * The per-request variables the OpenFaaS classic watchdog puts in a function's environment: `Http_Method`,
 * `Http_Path`, `Http_Query`, `Http_ContentLength` and one `Http_<Header_Name>` per header.
 */
export function watchdogVariables(invocation: Invocation): Record<string, string> {
  const vars: Record<string, string> = {
    Http_Method: invocation.method,
    Http_Path: invocation.path,
    Http_Query: invocation.query,
    Http_ContentLength: String(invocation.body.byteLength),
  };
  for (const [name, value] of Object.entries(invocation.headers)) {
    // Header names are case-insensitive; the watchdog canonicalises them (content-type → Content_Type).
    const canonical = name
      .split("-")
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
      .join("_");
    vars[`Http_${canonical}`] = value;
  }
  return vars;
}

/** `env`-style text: one `KEY=value` line per variable, process variables first. */
export function renderEnvironment(env: Readonly<Record<string, string | undefined>>, extra: Readonly<Record<string, string>>): string {
  let out = "";
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !(key in extra)) out += `${key}=${value}\n`;
  for (const [key, value] of Object.entries(extra)) out += `${key}=${value}\n`;
  return out;
}

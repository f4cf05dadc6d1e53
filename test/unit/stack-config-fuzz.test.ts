/**
 * Fuzz test of the stack config: random documents, and the shipped `Pulumi.<stack>.yaml` files mutated, go through
 * the whole validation `index.ts` runs before any resource exists (schema, plugin settings, plan, the workloads'
 * own checks). Each must give a valid config or errors that each name a `peva-lab:<dotted.path>`, printable on a
 * terminal; never an exception. `make test` runs a bounded count with a fixed seed; `make fuzz` runs many more
 * (`FUZZ_RUNS`, `FUZZ_SEED`).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { firstUnprintable } from "@peva-lab/core";
import { inTreePluginCatalog, type PluginCatalog } from "../../config/plugin-catalog.ts";
import { checkWorkloadSettings, validateStackConfig } from "../../config/validate.ts";
import { planLab, workloadCheckContext } from "../../plan/lab-plan.ts";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 1000);
const SEED = Number(process.env["FUZZ_SEED"] ?? 20261202);
/** Safety net per document, far above what one takes (a few ms): a case above it is a hang, not a slow machine. */
const CASE_LIMIT_MS = 10_000;
/** Heap growth allowed over the whole run: validation keeps nothing, so growth beyond this is a leak. */
const HEAP_GROWTH_LIMIT_BYTES = 512 * 1024 * 1024;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

let catalog: PluginCatalog;
beforeAll(async () => {
  catalog = await inTreePluginCatalog();
});

/** The `peva-lab:` config of a shipped stack file, as objects. */
function shippedConfig(file: string): Record<string, Json> {
  const doc = parseYaml(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8")) as { config: Record<string, Json> };
  return doc.config;
}

/** A lab over SSH as a user would write it (no shipped file has one). */
const SSH_LAB: Record<string, Json> = {
  "peva-lab:provisioner": {
    type: "ssh",
    hosts: [
      { name: "runner", role: "runner", address: "10.0.0.1", user: "ubuntu", port: 22 },
      { name: "node", role: "platform", address: "10.0.0.2", hostKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2b"] },
    ],
  },
  "peva-lab:platform": { type: "local", maxReplicas: 2 },
  "peva-lab:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
  "peva-lab:workloads": { "peva-faas": { settings: { duration: "5s", functions: [{ name: "figlet" }], rate_strategy: { type: "linear", max_rate: 50 } } } },
  "peva-lab:cleanup": { memory: true, paths: ["benchmark_results/peva_faas/memory"] },
};

/** The dev stack with the two secrets its header tells the user to set. */
const DEV_LAB: Record<string, Json> = { ...shippedConfig("Pulumi.dev.yaml"), "peva-lab:sshPrivateKey": "key", "peva-lab:gatewayPassword": "pw" };

const SEEDS = [shippedConfig("Pulumi.local.yaml"), DEV_LAB, SSH_LAB];

/** Text a careless or hostile user might type: controls, escapes, traversal, huge and odd numbers as text. */
const hostileText = fc.oneof(
  fc.constantFrom("", " ", "..", "../../etc", "/etc/passwd", "~root/x", "a\nb", "\u001b[31mred", "\u202egnp.exe", "$(id)", "`id`", "'; rm -rf /; '", "k3s", "1e309", "-0", "NaN", "__proto__", "constructor"),
  fc.string({ unit: "binary", maxLength: 40 }),
);

const json: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  hostileText,
  fc.constantFrom<Json>(0, -1, 1e308, 2 ** 53 + 1, 1.5, true, [], {}, null),
);

/** One mutation: which node (by walking indexes), what to do there, and with what. */
const mutation = fc.record({
  walk: fc.array(fc.nat(), { maxLength: 6 }),
  op: fc.constantFrom("replace", "delete", "add-key", "hostile", "wrap-in-array", "stringify"),
  value: json,
  key: fc.oneof(fc.constantFrom("type", "name", "role", "settings", "duration", "paths", "enabled", "hosts", "vms", "functions"), hostileText),
});

/** Applies `m` to a deep copy's node reached by `m.walk` (each index picks a child modulo the child count). */
function mutate(doc: Record<string, Json>, m: { walk: number[]; op: string; value: Json; key: string }): Record<string, Json> {
  const root = structuredClone(doc) as { [key: string]: Json };
  let parent: Json[] | { [key: string]: Json } = root;
  let key: string | number = Object.keys(root)[0] ?? "peva-lab:x";
  for (const step of m.walk) {
    const node: Json | undefined = Array.isArray(parent) ? parent[key as number] : parent[key as string];
    if (node === null || typeof node !== "object") break;
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node;
    key = keys[step % keys.length]!;
  }
  const set = (v: Json): void => {
    if (Array.isArray(parent)) parent[key as number] = v;
    else parent[key as string] = v;
  };
  const current: Json | undefined = Array.isArray(parent) ? parent[key as number] : parent[key as string];
  switch (m.op) {
    case "replace":
      set(m.value);
      break;
    case "delete":
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      break;
    case "add-key":
      if (current !== null && typeof current === "object" && !Array.isArray(current)) current[m.key] = m.value;
      else if (!Array.isArray(parent)) parent[m.key] = m.value;
      break;
    case "hostile":
      set(typeof m.value === "string" ? m.value : m.key);
      break;
    case "wrap-in-array":
      set([current ?? null]);
      break;
    case "stringify":
      set(JSON.stringify(current ?? null));
      break;
  }
  return root;
}

/** The raw map Pulumi hands the program: objects as JSON text, strings as they are. */
function asRaw(doc: Record<string, Json>): Record<string, string> {
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The validation of `index.ts`, up to (not including) the first resource. */
async function validateLikeIndex(raw: Record<string, string>, secretKeys: readonly string[]): Promise<{ ok: boolean; errors: readonly string[] }> {
  const result = validateStackConfig(raw, secretKeys, catalog.plugins);
  if (!result.ok) return { ok: false, errors: result.errors };
  const plan = planLab("fuzz", result.config);
  const errors = await checkWorkloadSettings(result.config, catalog.plugins, workloadCheckContext(plan, process.cwd()));
  return { ok: errors.length === 0, errors };
}

/** A path segment: a plain name or index, or a quoted, escaped key. */
const SEGMENT = String.raw`(?:[A-Za-z0-9_-]+|'(?:[^'\\]|\\.)*')`;
/** `peva-lab:<dotted.path>: <message>`. */
const CONFIG_ERROR = new RegExp(String.raw`^peva-lab:(?:${SEGMENT}(?:\.${SEGMENT})*|\(root\)): \S`);

/** Every error names a `peva-lab:` path and is one printable line. */
function expectWellFormed(outcome: { ok: boolean; errors: readonly string[] }): void {
  if (outcome.ok) return;
  expect(outcome.errors.length).toBeGreaterThan(0);
  for (const e of outcome.errors) {
    expect(e).toMatch(CONFIG_ERROR);
    expect(firstUnprintable(e), e).toBeUndefined();
  }
}

async function timed<T>(work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`validation took over ${CASE_LIMIT_MS} ms`)), CASE_LIMIT_MS);
  });
  try {
    return await Promise.race([work(), limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe(`stack config fuzz (seed ${SEED}, ${RUNS} runs per property)`, () => {
  it("the shipped stacks and the SSH example are valid as they are", async () => {
    for (const doc of SEEDS) {
      const secrets = Object.keys(doc).filter((k) => /Password|PrivateKey/.test(k));
      expect(await validateLikeIndex(asRaw(doc), secrets)).toEqual({ ok: true, errors: [] });
    }
  });

  it("mutated shipped stacks: a valid config or errors naming a peva-lab path, never an exception", { timeout: 600_000 }, async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(fc.nat(SEEDS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), async (seed, mutations, secret) => {
        const doc = mutations.reduce((d, m) => mutate(d, m), SEEDS[seed]!);
        const secrets = secret ? Object.keys(doc) : [];
        expectWellFormed(await timed(() => validateLikeIndex(asRaw(doc), secrets)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(HEAP_GROWTH_LIMIT_BYTES);
  });

  it("random documents: the same", { timeout: 600_000 }, async () => {
    const key = fc.oneof(
      fc.constantFrom("provisioner", "platform", "plugins", "workloads", "cleanup", "output", "compute", "gatewayPassword", "sshPrivateKey"),
      hostileText,
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, json, { maxKeys: 6 }), async (doc) => {
        const raw = Object.fromEntries(Object.entries(doc).map(([k, v]) => [`peva-lab:${k}`, v]));
        expectWellFormed(await timed(() => validateLikeIndex(asRaw(raw), [])));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

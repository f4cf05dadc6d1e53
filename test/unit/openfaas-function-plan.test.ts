/** The `OpenFaasFunction` plan: the deploy body, what updates and what replaces, and the function catalogue. */
import { describe, expect, it } from "vitest";
import { catalogFunction, FUNCTION_CATALOG } from "../../plan/function-catalog.ts";
import { deploymentBody, diffFunction } from "../../plan/openfaas-function.ts";
import { OPENFAAS_FUNCTION_NAME } from "../../config/stack-config.ts";
import { diff } from "../../components/openfaas-function-provider.ts";
import { PEVA_FAAS_DEFAULT_FUNCTIONS } from "../../plan/lab-plan.ts";
import { parseWorkloadConfig } from "../../plugins/peva-faas/src/config/parse.ts";

const base = {
  gatewayUrl: "http://10.0.0.2:31112",
  password: "p",
  name: "figlet",
  image: "ghcr.io/openfaas/figlet:latest",
  envProcess: "figlet",
  envVars: { a: "1" },
  labels: {},
  annotations: {},
  readyTimeoutSeconds: 120,
};

describe("OpenFaasFunction plan", () => {
  it("builds OpenFaaS's FunctionDeployment body", () => {
    expect(deploymentBody({ ...base, limits: { memory: "128Mi" } })).toEqual({
      service: "figlet",
      image: "ghcr.io/openfaas/figlet:latest",
      envProcess: "figlet",
      envVars: { a: "1" },
      labels: {},
      annotations: {},
      limits: { memory: "128Mi" },
    });
  });

  it("updates in place for environment, labels, annotations, limits and the password; replaces for image and name", () => {
    expect(diffFunction(base, base)).toEqual({ changes: false, replaces: [] });
    for (const change of [{ envVars: { a: "2" } }, { labels: { x: "y" } }, { annotations: { n: "m" } }, { limits: { cpu: "1" } }, { password: "q" }]) {
      expect(diffFunction(base, { ...base, ...change }), JSON.stringify(change)).toEqual({ changes: true, replaces: [] });
    }
    expect(diffFunction(base, { ...base, image: "ghcr.io/openfaas/figlet:0.1" })).toEqual({ changes: true, replaces: ["image"] });
    expect(diffFunction(base, { ...base, name: "other" })).toEqual({ changes: true, replaces: ["name"] });
  });

  it("deletes before replacing when the name stays (one name, one function), creates first when it changes", () => {
    const outs = { ...base, replicas: 1, availableReplicas: 1 };
    expect(diff(outs, { ...base, image: "x:1" })).toEqual({ changes: true, replaces: ["image"], deleteBeforeReplace: true });
    expect(diff(outs, { ...base, name: "figlet-2" })).toEqual({ changes: true, replaces: ["name"], deleteBeforeReplace: false });
  });

  it("accepts DNS-label names only", () => {
    for (const ok of ["figlet", "eat-memory", "a1"]) expect(OPENFAAS_FUNCTION_NAME.test(ok), ok).toBe(true);
    for (const bad of ["", "Figlet", "a/b", "../x", "-a", "a-", "a".repeat(64), "a b"]) expect(OPENFAAS_FUNCTION_NAME.test(bad), bad).toBe(false);
  });

  it("deploys peva-faas's own default function when a campaign names none", () => {
    expect(PEVA_FAAS_DEFAULT_FUNCTIONS).toEqual(parseWorkloadConfig({}).config.functions.map((f) => f.name));
  });

  it("catalogues the DFaaS set with the store's images and processes", () => {
    expect(Object.keys(FUNCTION_CATALOG).sort()).toEqual(["curl", "eat-memory", "env", "figlet", "nmap", "shasum"]);
    expect(catalogFunction("shasum")).toMatchObject({ image: "ghcr.io/openfaas/alpine:latest", envProcess: "sha512sum" });
    expect(catalogFunction("nmap")).toMatchObject({ image: "functions/nmap:0.13.0" });
    expect(catalogFunction("eat-memory")?.image).toBe("");
    expect(catalogFunction("constructor")).toBeUndefined();
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AmbiguousDependencyError,
  CircularDependencyError,
  matchDependency,
  MissingDependencyError,
  planActivation,
  resolveDependencies,
} from "../../src/index.ts";

const n = (id: string, ...dependencies: string[]) => ({ id, dependencies });

describe("dependency order", () => {
  it("FR-015: empty input gives an empty order", () => {
    expect(resolveDependencies([])).toEqual([]);
  });

  it("FR-015: dependencies come first (A→B→C gives [C, B, A])", () => {
    expect(resolveDependencies([n("A", "B"), n("B", "C"), n("C")])).toEqual(["C", "B", "A"]);
  });

  it("ties are broken by id, so the order is stable", () => {
    expect(resolveDependencies([n("d", "a"), n("c"), n("b"), n("a")])).toEqual(["a", "b", "c", "d"]);
  });

  it("FR-015: missing dependencies are checked first and all of them named", () => {
    const run = () => resolveDependencies([n("a", "x", "b", "y"), n("b", "a")]);
    expect(run).toThrow(MissingDependencyError);
    expect(run).toThrow("Plugin 'a' has missing dependencies: x, y");
  });

  it("FR-016: a cycle is reported as a -> b -> a", () => {
    expect(() => resolveDependencies([n("a", "b"), n("b", "a")])).toThrow("Circular dependency: a -> b -> a");
    expect(() => resolveDependencies([n("x"), n("a", "b"), n("b", "c"), n("c", "a")])).toThrow("Circular dependency: a -> b -> c -> a");
    expect(() => resolveDependencies([n("s", "s")])).toThrow("Circular dependency: s -> s");
  });

  it("FR-016: a cycle behind a non-cyclic node still names only the cycle", () => {
    let error: unknown;
    try {
      resolveDependencies([n("top", "a"), n("a", "b"), n("b", "a")]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CircularDependencyError);
    expect((error as CircularDependencyError).cycle).toEqual(["a", "b", "a"]);
  });

  it("SC-008: for any DAG every node comes after all its dependencies (property)", () => {
    const dag = fc.integer({ min: 1, max: 25 }).chain((size) =>
      fc.array(fc.array(fc.nat({ max: size - 1 }), { maxLength: 4 }), { minLength: size, maxLength: size }),
    );
    fc.assert(
      fc.property(dag, (adj) => {
        // Edges only point to lower indices, so the graph is acyclic.
        const nodes = adj.map((deps, i) => n(`p${String(i).padStart(2, "0")}`, ...deps.filter((d) => d < i).map((d) => `p${String(d).padStart(2, "0")}`)));
        const order = resolveDependencies([...nodes].reverse());
        expect([...order].sort()).toEqual(nodes.map((x) => x.id).sort());
        const pos = new Map(order.map((id, i) => [id, i]));
        for (const node of nodes) for (const d of node.dependencies) expect(pos.get(d)!).toBeLessThan(pos.get(node.id)!);
      }),
    );
  });

  it("SC-008: any graph with a cycle is rejected with a real cycle (property)", () => {
    const graph = fc.integer({ min: 2, max: 10 }).chain((size) =>
      fc.tuple(fc.constant(size), fc.array(fc.array(fc.nat({ max: size - 1 }), { maxLength: 3 }), { minLength: size, maxLength: size })),
    );
    fc.assert(
      fc.property(graph, ([, adj]) => {
        // Force a cycle 0 -> 1 -> 0 on top of random edges.
        const nodes = adj.map((deps, i) => n(`p${i}`, ...deps.map((d) => `p${d}`), ...(i === 0 ? ["p1"] : i === 1 ? ["p0"] : [])));
        try {
          resolveDependencies(nodes);
          return false;
        } catch (e) {
          expect(e).toBeInstanceOf(CircularDependencyError);
          const cycle = (e as CircularDependencyError).cycle;
          expect(cycle[0]).toBe(cycle.at(-1));
          const byId = new Map(nodes.map((x) => [x.id, x]));
          for (let i = 0; i + 1 < cycle.length; i++) expect(byId.get(cycle[i]!)!.dependencies).toContain(cycle[i + 1]);
          return true;
        }
      }),
    );
  });
});

describe("activation planning keyed by (type, name)", () => {
  const p = (type: "compute" | "workload" | "memory", name: string, ...dependencies: string[]) => ({ type, name, dependencies });

  it("defect 8: equal names of different types never collide; type:name references pick one", () => {
    const known = [p("compute", "duckdb"), p("memory", "duckdb", "compute:duckdb"), p("workload", "peva-faas", "memory:duckdb")];
    const plan = planActivation([known[2]!], known);
    expect(plan.map((s) => `${s.node.type}:${s.node.name}`)).toEqual(["compute:duckdb", "memory:duckdb", "workload:peva-faas"]);
    expect(plan[2]!.dependsOn).toEqual([known[1]]);
  });

  it("a bare name matching several types is ambiguous", () => {
    const known = [p("compute", "duckdb"), p("memory", "duckdb"), p("workload", "w", "duckdb")];
    const run = () => planActivation([known[2]!], known);
    expect(run).toThrow(AmbiguousDependencyError);
    expect(run).toThrow("Plugin 'w' has an ambiguous dependency 'duckdb': it matches COMPUTE:duckdb, MEMORY:duckdb; write it as type:name");
  });

  it("dependencies outside the selection are pulled in; unknown ones are missing", () => {
    const known = [p("compute", "c"), p("workload", "w", "c")];
    expect(planActivation([known[1]!], known).map((s) => s.node.name)).toEqual(["c", "w"]);
    expect(() => planActivation([p("workload", "x", "nope", "compute:zzz")], known)).toThrow("Plugin 'x' has missing dependencies: nope, compute:zzz");
  });

  it("cycles print plain names, or TYPE:name where a name is ambiguous", () => {
    const known = [p("compute", "a", "workload:b"), p("workload", "b", "compute:a")];
    expect(() => planActivation(known, known)).toThrow("Circular dependency: a -> b -> a");
    const same = [p("compute", "a", "memory:a"), p("memory", "a", "compute:a")];
    expect(() => planActivation(same, same)).toThrow("Circular dependency: COMPUTE:a -> MEMORY:a -> COMPUTE:a");
  });

  it("matchDependency treats an unknown prefix as part of the name", () => {
    const known = [p("compute", "a"), p("workload", "x:y")];
    expect(matchDependency("compute:a", known)).toEqual([known[0]]);
    expect(matchDependency("x:y", known)).toEqual([known[1]]);
  });
});

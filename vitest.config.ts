import { defineConfig } from "vitest/config";

// Three suites: fast pure/unit + contract tests, integration tests that start real tools (vegeta, Prometheus, DuckDB,
// sshd in network namespaces), and end-to-end tests through the real Pulumi CLI. `make test` runs all three. A
// fourth, `k6`, runs the optional k6 generator against a k6 the user installed (`make test-k6`; never in CI).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/contract/**/*.test.ts", "plugins/*/test/unit/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "plugins/*/test/integration/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "k6",
          include: ["plugins/loadgen-k6/test/real-k6/**/*.test.ts"],
          testTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

import { defineConfig } from "vitest/config";

// One runner for the whole repository. Scenario tests start real relay processes and real
// browsers, so they get generous timeouts; no test asserts on wall-clock time.
export default defineConfig({
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "tests/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});

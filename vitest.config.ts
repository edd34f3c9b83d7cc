import { defineConfig } from "vitest/config";

// One runner for the whole repository. Tests live in each package's test/ folder (mirroring src/)
// and, for scenarios that run processes and browsers, in the root's tests/ (helpers in
// tests/helpers). Scenario tests start real relay processes and real browsers, so they get
// generous timeouts; no test asserts on wall-clock time.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts", "tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});

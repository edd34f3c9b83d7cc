// Type-checks every package with its own tsconfig, so each package's allowed globals hold
// (protocol compiles with neither DOM nor Node types).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const projects = [
  "packages/protocol/tsconfig.json",
  "packages/protocol/tsconfig.test.json",
  "packages/relay/tsconfig.json",
  "packages/client/tsconfig.json",
  "apps/cli/tsconfig.json",
  "apps/cli/tsconfig.browser.json",
  "apps/web/tsconfig.json",
  "tsconfig.json",
].filter((p) => existsSync(p));

let failed = false;
for (const project of projects) {
  const r = spawnSync("node_modules/.bin/tsc", ["-p", project], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`typecheck failed: ${project}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);

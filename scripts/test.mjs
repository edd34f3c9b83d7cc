// `npm test`: everything the tests need, then every check. Installs Debian's Chromium for the
// browser tests when it is missing (needs root or sudo; see README).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(" ")} failed`);
    process.exit(r.status ?? 1);
  }
}

if (!existsSync("/usr/bin/chromium")) {
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  console.log("Installing Debian's chromium for the browser tests…");
  const apt = (args) => (sudo.length ? run("sudo", ["apt-get", ...args]) : run("apt-get", args));
  apt(["update", "-q"]);
  apt(["install", "-y", "-q", "chromium"]);
}

run("node_modules/.bin/biome", ["check", "."]);
// The house's boundaries (.dependency-cruiser.cjs): no cycle, no upward import, no undeclared
// dependency, platform code only in its folders. No exceptions list: a violation fails.
run("node_modules/.bin/depcruise", [
  "packages",
  "apps",
  "tests",
  "bench",
  "--config",
  ".dependency-cruiser.cjs",
]);
run("node", ["scripts/typecheck.mjs"]);
run("node_modules/.bin/vitest", ["run", ...process.argv.slice(2)]);

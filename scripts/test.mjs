// `npm test`: everything the tests need, then every check. Installs Debian's Chromium for the
// browser tests and Debian's PostgreSQL for the PostgreSQL store's tests when they are missing
// (needs root or sudo; see README). The tests run PostgreSQL in private clusters of their own
// (tests/helpers/postgres.ts); the machine's own cluster is never started.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

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

const hasPostgres = () =>
  existsSync("/usr/lib/postgresql") &&
  readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
if (!hasPostgres()) {
  const asRoot = (cmd, args) => (process.getuid?.() === 0 ? run(cmd, args) : run("sudo", [cmd, ...args]));
  console.log("Installing Debian's postgresql for the PostgreSQL store's tests…");
  asRoot("apt-get", ["update", "-q"]);
  // The package would start a cluster of its own; a policy-rc.d answering 101 tells it not to.
  const noStart = "/usr/sbin/policy-rc.d";
  const hadPolicy = existsSync(noStart);
  if (!hadPolicy)
    asRoot("sh", ["-c", `printf '#!/bin/sh\\nexit 101\\n' > ${noStart} && chmod 755 ${noStart}`]);
  try {
    asRoot("apt-get", ["install", "-y", "-q", "postgresql"]);
  } finally {
    if (!hadPolicy) asRoot("rm", ["-f", noStart]);
  }
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

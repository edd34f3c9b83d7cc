/**
 * Which of Rally's own source files one `rally chat send` runs, measured with V8's coverage on a
 * real relay and two real homes: a file counts when at least one of its functions ran (module
 * top-level code alone does not count, so a file merely imported is left out). Prints the count
 * per package, the files, and how many functions ran in each.
 *
 *   npx tsx bench/house/sendPath.ts
 *
 * The command includes its catch-up round before sending (the CLI's write policy), which is what a
 * person pays for; `--offline` variants would hide it.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startRelay } from "../../tests/helpers/relay.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const rallyBin = path.join(repoRoot, "apps/cli/bin/rally.js");

interface FunctionCoverage {
  functionName: string;
  ranges: { startOffset: number; endOffset: number; count: number }[];
}
interface ScriptCoverage {
  url: string;
  functions: FunctionCoverage[];
}

function rally(home: string, args: string[], env: NodeJS.ProcessEnv = {}): unknown {
  const r = spawnSync(process.execPath, [rallyBin, ...args, "--home", home, "--json"], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`rally ${args.join(" ")} failed: ${r.stderr}${r.stdout}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : null;
}

/** Rally's own source files (not tests, not dependencies) under the repository. */
function ownSource(url: string): string | null {
  if (!url.startsWith("file://")) return null;
  const file = fileURLToPath(url.split("?")[0] ?? url);
  const rel = path.relative(repoRoot, file);
  if (rel.startsWith("..") || rel.includes("node_modules")) return null;
  if (!/^(packages|apps)\/[^/]+\/src\//.test(rel) || /\.test\.ts$/.test(rel)) return null;
  return rel;
}

const relay = await startRelay();
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-send-path-"));
try {
  const alice = path.join(root, "alice");
  const bob = path.join(root, "bob");
  rally(alice, ["account", "create", "--name", "Alice", "--relay", relay.url]);
  const bobAccount = rally(bob, ["account", "create", "--name", "Bob", "--relay", relay.url]) as {
    npub: string;
  };
  const group = rally(alice, ["group", "create", "Send Path"]) as { id: string };
  rally(alice, ["group", "invite", group.id, bobAccount.npub]);
  const invites = rally(bob, ["invites"]) as { id: string }[];
  for (const invite of invites) rally(bob, ["invites", "accept", invite.id]);
  rally(alice, ["chat", "send", group.id, "warm-up"]);

  const coverageDir = path.join(root, "coverage");
  rally(alice, ["chat", "send", group.id, "measured"], { NODE_V8_COVERAGE: coverageDir });

  const ran = new Map<string, number>();
  for (const name of fs.readdirSync(coverageDir)) {
    const data = JSON.parse(fs.readFileSync(path.join(coverageDir, name), "utf8")) as {
      result: ScriptCoverage[];
    };
    for (const script of data.result) {
      const rel = ownSource(script.url);
      if (!rel) continue;
      // The first entry of a script is its top level; only functions that ran count, and not the
      // helpers the TypeScript transform adds to every module (`__name`, `__export`).
      const called = script.functions
        .slice(1)
        .filter((f) => (f.ranges[0]?.count ?? 0) > 0 && !f.functionName.startsWith("__"));
      if (process.env.SEND_PATH_DEBUG && rel.includes(process.env.SEND_PATH_DEBUG)) {
        console.log(
          rel,
          script.functions.length,
          JSON.stringify(called.map((f) => [f.functionName, f.ranges[0]])),
        );
      }
      if (called.length > 0) ran.set(rel, (ran.get(rel) ?? 0) + called.length);
    }
  }
  const byPackage = new Map<string, number>();
  for (const rel of ran.keys()) {
    const pkg = rel.split("/").slice(0, 2).join("/");
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
  }
  const functions = [...ran.values()].reduce((a, b) => a + b, 0);
  console.log(`rally chat send ran ${functions} functions in ${ran.size} of Rally's source files`);
  for (const [pkg, n] of [...byPackage].sort()) console.log(`  ${pkg}: ${n}`);
  console.log("");
  for (const [rel, n] of [...ran].sort()) console.log(`  ${rel} (${n} functions)`);
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

// Runs a benchmark on the code of one commit, apart from the working tree: the commit's files are
// unpacked into a folder of their own (git archive; the repository itself is left untouched), the
// installed packages are linked in from this checkout, and the command runs there. So a figure
// belongs to a commit, not to whatever is half-edited in the tree, and "before" and "after" can be
// measured side by side.
//
//   node bench/atCommit.mjs [--bench <commit>] <commit> <command…>
//   node bench/atCommit.mjs HEAD npx tsx bench/client/catchUp.ts 2000
//
// --bench takes the bench/ folder from another commit (a benchmark written after the code it is
// to measure, e.g. "before" figures of a change: --bench HEAD <the commit before it>).
//
// The folder is /tmp/rally-at-<short commit> and is kept for the next run (the web app's build in
// it is then reused); remove it by hand when done.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const benchFrom = args[0] === "--bench" ? args.splice(0, 2)[1] : undefined;
const [commit, ...command] = args;
if (!commit || command.length === 0) {
  console.error("usage: node bench/atCommit.mjs [--bench <commit>] <commit> <command…>");
  process.exit(2);
}
const git = (...args) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
const short = git("rev-parse", "--short", `${commit}^{commit}`);
const benchShort = benchFrom === undefined ? undefined : git("rev-parse", "--short", `${benchFrom}^{commit}`);
const dir = `/tmp/rally-at-${short}${benchShort ? `-bench-${benchShort}` : ""}`;

if (!fs.existsSync(path.join(dir, "package.json"))) {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("sh", ["-c", `git -C "${repo}" archive ${short} | tar -x -C "${dir}"`]);
  if (benchShort) {
    fs.rmSync(path.join(dir, "bench"), { recursive: true, force: true });
    execFileSync("sh", ["-c", `git -C "${repo}" archive ${benchShort} bench | tar -x -C "${dir}"`]);
  }
  // Installed packages: every top-level entry links to this checkout's, except the workspace's own
  // packages (@rally/*), which must be the commit's.
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(repo, "node_modules"))) {
    if (entry === "@rally") continue;
    fs.symlinkSync(path.join(repo, "node_modules", entry), path.join(modules, entry));
  }
  fs.mkdirSync(path.join(modules, "@rally"));
  for (const entry of fs.readdirSync(path.join(repo, "node_modules", "@rally"))) {
    const target = fs.readlinkSync(path.join(repo, "node_modules", "@rally", entry));
    fs.symlinkSync(target, path.join(modules, "@rally", entry));
  }
  // A package's own installed dependencies (e.g. a patched ts-mls, better-sqlite3's binary).
  for (const workspace of [
    "packages/protocol",
    "packages/relay",
    "packages/client",
    "apps/cli",
    "apps/web",
  ]) {
    const own = path.join(repo, workspace, "node_modules");
    if (fs.existsSync(own) && fs.existsSync(path.join(dir, workspace)))
      fs.symlinkSync(own, path.join(dir, workspace, "node_modules"));
  }
}
console.error(
  `running at ${short}${benchShort ? ` (bench/ of ${benchShort})` : ""} in ${dir}: ${command.join(" ")}`,
);
const run = spawnSync(command[0], command.slice(1), { cwd: dir, stdio: "inherit" });
process.exit(run.status ?? 1);

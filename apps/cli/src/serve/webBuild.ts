/**
 * Keeps `apps/web/dist` in step with the sources for `rally serve`: builds with Vite's API when the
 * build is missing or older than any source it is made from (the app and the client and protocol
 * packages bundled into it). Several processes may start at once (tests, two terminals): one
 * builds under a lock file while the others wait, and the new build replaces the old one by
 * renaming, so a running server never serves half a build.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this module holding apps/web (this module runs from
 * apps/cli/src/serve as a source, or from apps/cli/dist as part of the built command). */
function findRepoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "apps/web/package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(here, "../../../..");
  }
}

const repoRoot = findRepoRoot();
export const WEB_ROOT = path.join(repoRoot, "apps/web");
export const WEB_DIST = path.join(WEB_ROOT, "dist");

/** What the build is made from; a change to any of these makes the build stale. */
const SOURCES = [
  "apps/web/src",
  "apps/web/public",
  "apps/web/buildtools",
  "apps/web/index.html",
  "apps/web/vite.config.ts",
  "packages/client/src",
  "packages/protocol/src",
].map((p) => path.join(repoRoot, p));

const LOCK_STALE_MS = 10 * 60_000;

function newestMtime(p: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(p)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(path.join(p, name)));
  }
  return newest;
}

/** Why the build must be (re)made, or null when it is current. */
export function staleReason(dist = WEB_DIST, sources = SOURCES): string | null {
  let built: number;
  try {
    built = fs.statSync(path.join(dist, "index.html")).mtimeMs;
    fs.statSync(path.join(dist, "sw.js"));
  } catch {
    return "the web app has not been built yet";
  }
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dist, "build.json"), "utf8")) as {
      production?: unknown;
    };
    if (info.production !== true) return "the existing build is a development build";
  } catch {
    return "the existing build does not say how it was made";
  }
  const newest = Math.max(...sources.map(newestMtime));
  return newest > built ? "the web app's sources changed since it was built" : null;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function withLock<T>(lockPath: string, fn: () => Promise<T>, onWait: () => void): Promise<T> {
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let stale = false;
      try {
        const holder = Number(fs.readFileSync(lockPath, "utf8"));
        const age = Date.now() - fs.statSync(lockPath).mtimeMs;
        stale = !Number.isInteger(holder) || holder <= 0 || !pidAlive(holder) || age > LOCK_STALE_MS;
      } catch {
        continue; // The holder just released it.
      }
      if (stale) {
        fs.rmSync(lockPath, { force: true });
        continue;
      }
      if (!told) onWait();
      told = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
}

export interface EnsureBuildOptions {
  /** Build even when the current build looks fresh. */
  force?: boolean;
  /** Progress lines for people. */
  log?: (line: string) => void;
}

/** Makes sure `apps/web/dist` is a current build; resolves to whether it built. */
export async function ensureWebBuild(options: EnsureBuildOptions = {}): Promise<boolean> {
  const log = options.log ?? (() => {});
  const reason = options.force ? "a fresh build was asked for" : staleReason();
  if (reason === null) return false;
  return withLock(
    path.join(WEB_ROOT, ".build.lock"),
    async () => {
      // Another process may have built it while we waited.
      if (!options.force && staleReason() === null) return false;
      log(`Building the web app (${reason})…`);
      let vite: typeof import("vite");
      try {
        vite = await import("vite");
      } catch {
        throw new Error(
          "the web app needs building but Vite is not installed; run `npm install` in the Rally folder",
        );
      }
      const staging = path.join(WEB_ROOT, `.build-${process.pid}`);
      const retired = path.join(WEB_ROOT, `.old-${process.pid}`);
      fs.rmSync(staging, { recursive: true, force: true });
      // Always a production build (minified React, service worker on), whatever NODE_ENV the
      // caller runs under (test runners set "test", and Vite follows NODE_ENV).
      process.env.NODE_ENV = "production";
      try {
        await vite.build({
          configFile: path.join(WEB_ROOT, "vite.config.ts"),
          root: WEB_ROOT,
          mode: "production",
          logLevel: "warn",
          build: { outDir: staging, emptyOutDir: true },
        });
        if (fs.existsSync(WEB_DIST)) fs.renameSync(WEB_DIST, retired);
        fs.renameSync(staging, WEB_DIST);
      } finally {
        fs.rmSync(staging, { recursive: true, force: true });
        fs.rmSync(retired, { recursive: true, force: true });
      }
      log("Web app built.");
      return true;
    },
    () => log("Waiting for another Rally process to finish building the web app…"),
  );
}

// When `rally serve` rebuilds the web app: a missing build, or any source newer than the build.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { staleReason } from "../../src/serve/webBuild.ts";

const base = fs.mkdtempSync(path.join(os.tmpdir(), "rally-webbuild-"));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function touch(file: string, secondsAgo: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, "x");
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, t, t);
}

/** Directory times count too (a deleted file changes its folder); age every folder under `dir`. */
function ageFolders(dir: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) ageFolders(p, secondsAgo);
  }
  fs.utimesSync(dir, t, t);
}

describe("staleReason", () => {
  const dist = path.join(base, "dist");
  const src = path.join(base, "src");

  it("asks for a build when there is none, or when it lacks its service worker", () => {
    expect(staleReason(dist, [src])).toBe("the web app has not been built yet");
    touch(path.join(dist, "index.html"), 10);
    expect(staleReason(dist, [src])).toBe("the web app has not been built yet");
  });

  it("asks for a production build", () => {
    touch(path.join(dist, "sw.js"), 10);
    expect(staleReason(dist, [src])).toBe("the existing build does not say how it was made");
    fs.writeFileSync(path.join(dist, "build.json"), JSON.stringify({ production: false }));
    expect(staleReason(dist, [src])).toBe("the existing build is a development build");
    fs.writeFileSync(path.join(dist, "build.json"), "{not json");
    expect(staleReason(dist, [src])).toBe("the existing build does not say how it was made");
    fs.writeFileSync(path.join(dist, "build.json"), JSON.stringify({ production: true }));
  });

  it("is satisfied by a build newer than every source, and not by an older one", () => {
    touch(path.join(src, "a", "deep", "file.ts"), 100);
    ageFolders(src, 100);
    expect(staleReason(dist, [src, path.join(base, "missing")])).toBeNull();
    touch(path.join(src, "a", "deep", "file.ts"), 1);
    expect(staleReason(dist, [src])).toBe("the web app's sources changed since it was built");
  });

  it("ignores node_modules and dot folders inside sources", () => {
    touch(path.join(src, "a", "deep", "file.ts"), 100);
    touch(path.join(src, "node_modules", "x.js"), 0);
    touch(path.join(src, ".cache", "y"), 0);
    ageFolders(src, 100);
    expect(staleReason(dist, [src])).toBeNull();
    fs.rmSync(path.join(src, "a", "deep", "file.ts"));
    expect(staleReason(dist, [src])).toBe("the web app's sources changed since it was built");
  });
});

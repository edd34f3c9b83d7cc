// Path resolution of `rally serve`'s static files: what may be read, and what never may.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheControl, resolveRequestPath } from "../../src/serve/staticFiles.ts";

let base: string;
let root: string;

function realFile(p: string): string | null {
  try {
    const real = fs.realpathSync(p);
    return fs.statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "rally-static-")));
  root = path.join(base, "dist");
  fs.mkdirSync(path.join(root, "assets"), { recursive: true });
  fs.writeFileSync(path.join(root, "index.html"), "<!doctype html>");
  fs.writeFileSync(path.join(root, "assets", "app-1234.js"), "1");
  fs.writeFileSync(path.join(root, "sw.js"), "2");
  fs.writeFileSync(path.join(root, ".env"), "hidden");
  fs.writeFileSync(path.join(base, "secret.txt"), "outside");
  fs.symlinkSync(path.join(base, "secret.txt"), path.join(root, "assets", "link.txt"));
  fs.mkdirSync(path.join(base, "dist-evil"));
  fs.writeFileSync(path.join(base, "dist-evil", "x.js"), "sibling");
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

describe("resolveRequestPath", () => {
  it("serves files under the root", () => {
    expect(resolveRequestPath(root, "/assets/app-1234.js", realFile)).toEqual({
      kind: "file",
      absPath: path.join(root, "assets", "app-1234.js"),
      relPath: "assets/app-1234.js",
    });
    expect(resolveRequestPath(root, "/sw.js?v=2", realFile)).toMatchObject({
      kind: "file",
      relPath: "sw.js",
    });
    expect(resolveRequestPath(root, "/assets/app%2D1234.js", realFile)).toMatchObject({ kind: "file" });
  });

  it("answers page addresses with the app and missing assets with 404", () => {
    expect(resolveRequestPath(root, "/", realFile)).toEqual({ kind: "index" });
    expect(resolveRequestPath(root, "", realFile)).toEqual({ kind: "bad-request" });
    expect(resolveRequestPath(root, "/groups/anything", realFile)).toEqual({ kind: "index" });
    expect(resolveRequestPath(root, "/assets/missing.js", realFile)).toEqual({ kind: "not-found" });
    expect(resolveRequestPath(root, "/assets", realFile)).toEqual({ kind: "index" });
  });

  it("never leaves the root", () => {
    const attempts = [
      "/../secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E%2Fsecret.txt",
      "/assets/../../secret.txt",
      "/assets/%2e%2e/%2e%2e/secret.txt",
      "/..%5csecret.txt",
      "/assets\\..\\..\\secret.txt",
      "/%00/etc/passwd",
      "/index.html%00.js",
      "/../dist-evil/x.js",
      "/assets/link.txt",
      "/.env",
      "/%2eenv",
      "//etc/passwd",
      "/%c0%ae%c0%ae/secret.txt",
      "/%",
    ];
    for (const attempt of attempts) {
      const r = resolveRequestPath(root, attempt, realFile);
      if (r.kind === "file") expect.unreachable(`${attempt} resolved to ${r.absPath}`);
    }
  });

  it("resolves any path either inside the root or not at all", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            "..",
            ".",
            "assets",
            "%2e%2e",
            "%2f",
            "/",
            "\\",
            "%5c",
            "sw.js",
            "x",
            "%00",
            "secret.txt",
          ),
          {
            maxLength: 8,
          },
        ),
        (parts) => {
          const r = resolveRequestPath(root, `/${parts.join("/")}`, realFile);
          if (r.kind === "file") expect(r.absPath.startsWith(root + path.sep)).toBe(true);
        },
      ),
    );
  });
});

describe("cacheControl", () => {
  it("caches hashed assets for long and revalidates the entry points", () => {
    expect(cacheControl("assets/index-abc.js")).toContain("immutable");
    expect(cacheControl("index.html")).toBe("no-cache");
    expect(cacheControl("sw.js")).toBe("no-cache");
    expect(cacheControl("manifest.webmanifest")).toBe("no-cache");
    expect(cacheControl("icons/icon.svg")).toBe("public, max-age=3600");
  });
});

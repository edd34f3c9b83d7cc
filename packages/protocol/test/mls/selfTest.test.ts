/**
 * F16: the engine checks at start-up that removals carry a path (the ts-mls correction applied by
 * scripts/patch-ts-mls.mjs), and refuses to run otherwise.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { isMlsEngineError, selfUpdate, updateGroupData } from "../../src/mls/index.ts";
import { engineSelfTest, type RemovalBuilder, removalSelfTest } from "../../src/mls/selfTest.ts";

async function failure(build: RemovalBuilder): Promise<Error> {
  try {
    await removalSelfTest({ build });
  } catch (e) {
    expect(isMlsEngineError(e, "internal")).toBe(true);
    expect((e as Error).message).toMatch(/MLS library is unsafe \(removals without a path\)/);
    return e as Error;
  }
  throw new Error("the self-test passed");
}

describe("F16: engine self-test", () => {
  it("F16: passes on this (corrected) copy of ts-mls, once per process", async () => {
    const first = engineSelfTest();
    expect(engineSelfTest()).toBe(first);
    await expect(first).resolves.toBeUndefined();
  });

  it("F16: fails in plain words when the removing commit carries no path", async () => {
    // A commit built without a path, as an uncorrected ts-mls builds a single removal: a
    // group-data change is the one commit this copy still builds without a path.
    const error = await failure((state) => updateGroupData(state, { description: "no path" }));
    expect(error.message).toMatch(/no path/);
  });

  it("F16: fails when the removed member could follow the commit", async () => {
    // A commit with a path that does not remove anyone: the "removed" member stays active.
    const error = await failure((state) => selfUpdate(state));
    expect(error.message).toMatch(/still active/);
  });
});

describe("F16: against an uncorrected copy of ts-mls", () => {
  it("F16: the self-test refuses the library as published (rc.10 without the install-time fix)", async () => {
    // A private copy of the engine next to a copy of ts-mls with scripts/patch-ts-mls.mjs undone,
    // as `npm ci --ignore-scripts` would leave it; the installed library is not touched.
    const here = dirname(fileURLToPath(import.meta.url));
    const protocol = join(here, "../..");
    const root = mkdtempSync(join(tmpdir(), "rally-unpatched-"));
    try {
      const pkg = join(root, "packages/protocol");
      cpSync(join(protocol, "src"), join(pkg, "src"), { recursive: true });
      mkdirSync(join(pkg, "node_modules"), { recursive: true });
      symlinkSync(join(protocol, "node_modules/@noble"), join(pkg, "node_modules/@noble"));
      cpSync(join(protocol, "node_modules/ts-mls"), join(pkg, "node_modules/ts-mls"), { recursive: true });
      symlinkSync(join(protocol, "../../node_modules"), join(root, "node_modules"));
      const dist = join(pkg, "node_modules/ts-mls/dist/src");
      const undo = (file: string, patched: string, original: string) => {
        const source = readFileSync(join(dist, file), "utf8");
        expect(source).toContain(patched);
        writeFileSync(join(dist, file), source.replace(patched, original));
      };
      undo(
        "clientState.js",
        "Object.values(grouped[defaultProposalTypes.update]).length > 0 ||\n            Object.values(grouped[defaultProposalTypes.remove]).length > 0;",
        "Object.values(grouped[defaultProposalTypes.update]).length > 1 ||\n            Object.values(grouped[defaultProposalTypes.remove]).length > 1;",
      );
      undo(
        "processMessages.js",
        '    if (result.selfRemoved)\n        return { newState: { ...state, groupActiveState: { kind: "removedFromGroup" } }, actionTaken: action, consumed: [], aad: content.authenticatedData };\n',
        "",
      );
      const copy = (await import(
        pathToFileURL(join(pkg, "src/mls/selfTest.ts")).href
      )) as typeof import("../../src/mls/selfTest.ts");
      let error: unknown;
      try {
        await copy.engineSelfTest();
      } catch (e) {
        error = e;
      }
      expect((error as { code?: string } | undefined)?.code).toBe("internal");
      expect((error as Error).message).toMatch(/MLS library is unsafe \(removals without a path\)/);
      expect((error as Error).message).toMatch(/the commit has no path/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

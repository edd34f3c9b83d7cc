/**
 * F16: the engine checks at start-up that removals carry a path (the ts-mls correction applied by
 * scripts/patch-ts-mls.mjs), and refuses to run otherwise.
 */
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

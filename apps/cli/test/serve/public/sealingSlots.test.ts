import { describe, expect, it } from "vitest";
import { MAX_SEALING, SealingSlots } from "../../../src/serve/public/sealingSlots.ts";

describe("SealingSlots", () => {
  it("gives at most its number of slots at once, and each slot again once released", () => {
    const slots = new SealingSlots();
    expect(slots.max).toBe(MAX_SEALING);
    for (let i = 0; i < MAX_SEALING; i++) expect(slots.take()).toBe(true);
    expect(slots.take()).toBe(false);
    expect(slots.inUse).toBe(MAX_SEALING);
    slots.release();
    expect(slots.take()).toBe(true);
    expect(slots.take()).toBe(false);
    for (let i = 0; i < MAX_SEALING + 3; i++) slots.release();
    expect(slots.inUse).toBe(0);
    expect(slots.take()).toBe(true);
  });
});

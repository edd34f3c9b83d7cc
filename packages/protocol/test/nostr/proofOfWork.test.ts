/**
 * NIP-13 proof of work as Rally mines it: ids checked with nostr-tools' own hash and bit count,
 * the event's time kept as given, and the pause given between slices.
 */
import { getPow } from "nostr-tools/nip13";
import { finalizeEvent, generateSecretKey, getEventHash, getPublicKey, verifyEvent } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { committedTarget, leadingZeroBits, mineNonce } from "../../src/nostr/proofOfWork.ts";

const key = generateSecretKey();
const template = (content: string) => ({
  pubkey: getPublicKey(key),
  created_at: 1_700_000_000,
  kind: 1059,
  tags: [["p", "ab".repeat(32)]],
  content,
});

describe("proof of work (NIP-13)", { timeout: 60_000 }, () => {
  it("mines a nonce whose id, as nostr-tools computes it, has the bits; the time stays as given", async () => {
    for (const content of ["", 'quotes " and \\ and ünïcode 𝄞\n', "x".repeat(3000)]) {
      const t = template(content);
      const mined = await mineNonce(t, 10);
      expect(mined.tags.slice(0, -1)).toEqual(t.tags);
      expect(mined.tags.at(-1)).toEqual(["nonce", expect.stringMatching(/^\d+$/), "10"]);
      const signed = finalizeEvent({ ...t, tags: mined.tags }, key);
      expect(signed.id).toBe(mined.id);
      expect(getEventHash(signed)).toBe(mined.id);
      expect(signed.created_at).toBe(1_700_000_000);
      expect(verifyEvent(signed)).toBe(true);
      expect(getPow(mined.id)).toBeGreaterThanOrEqual(10);
      expect(leadingZeroBits(mined.id)).toBe(getPow(mined.id));
    }
  });

  it("gives the pause between slices: one after every slice of tries", async () => {
    let pauses = 0;
    const mined = await mineNonce(template("slices"), 12, {
      sliceMs: 0,
      pause: async () => {
        pauses++;
      },
    });
    // With no time per slice, each slice is one round of 256 tries.
    expect(pauses).toBe(Math.floor(Number(mined.tags.at(-1)?.[1]) / 256));
  });

  it("refuses a difficulty that is not a whole number of bits from 0 to 256", async () => {
    for (const d of [-1, 1.5, 257, Number.NaN])
      await expect(mineNonce(template(""), d)).rejects.toThrow(/whole number of bits/);
    expect((await mineNonce(template(""), 0)).tags.at(-1)).toEqual(["nonce", "0", "0"]);
  });

  it("reads the committed target from exactly one well-formed nonce tag", () => {
    expect(
      committedTarget([
        ["p", "x"],
        ["nonce", "12", "15"],
      ]),
    ).toBe(15);
    expect(committedTarget([["nonce", "12"]])).toBeUndefined();
    expect(committedTarget([["nonce", "12", "x"]])).toBeUndefined();
    expect(committedTarget([["nonce", "-1", "15"]])).toBeUndefined();
    expect(
      committedTarget([
        ["nonce", "1", "15"],
        ["nonce", "2", "15"],
      ]),
    ).toBeUndefined();
    expect(committedTarget([])).toBeUndefined();
    expect(leadingZeroBits("nothex")).toBe(0);
    expect(leadingZeroBits(`000${"f".repeat(61)}`)).toBe(12);
  });
});

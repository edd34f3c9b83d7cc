/**
 * Gift wraps' times (NIP-59): the rumor carries the time given; the seal and the wrap carry random
 * times up to two days before it — counted from the time given, not from the platform clock, so a
 * sender that stamps with the relays' time (its own clock being off) makes wraps relays take.
 */
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { giftWrap, openGiftWrap } from "../../src/wire/giftWrap.ts";

const sender = generateSecretKey();
const recipient = generateSecretKey();
const TWO_DAYS = 2 * 86_400;
// Far from the machine's clock, so a time taken from it would show.
const T = 2_000_000_000;

const wrapAt = (now: number, random?: () => number) =>
  giftWrap({
    kind: 444,
    content: "hello",
    tags: [["e", "ab".repeat(32)]],
    now,
    senderSecretKey: sender,
    recipientPubkey: getPublicKey(recipient),
    what: "welcome",
    ...(random ? { random } : {}),
  });

describe("giftWrap times", () => {
  it("counts the seal's and wrap's random past times from the time given", () => {
    for (let i = 0; i < 20; i++) {
      const wrap = wrapAt(T);
      expect(wrap.created_at).toBeLessThanOrEqual(T);
      expect(wrap.created_at).toBeGreaterThanOrEqual(T - TWO_DAYS);
      const opened = openGiftWrap(wrap, recipient, "welcome");
      expect(opened.rumor.created_at).toBe(T);
      expect(opened.rumor.content).toBe("hello");
    }
  });

  it("goes back as far as the randomness says: none, or two days", () => {
    expect(wrapAt(T, () => 0).created_at).toBe(T);
    expect(wrapAt(T, () => 0.999_999).created_at).toBe(T - TWO_DAYS);
  });
});

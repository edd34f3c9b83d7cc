import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../src/nostr/event.ts";
import { jsVerifier, loadVerifier } from "../../src/nostr/verify.ts";

const e = finalizeEvent(
  { kind: 1, created_at: 1, tags: [["p", "x"]], content: "hi" },
  generateSecretKey(),
) as unknown as NostrEvent;

describe("event verification", async () => {
  const wasm = await loadVerifier();

  it("loads the WASM backend here, and the JS one on request", async () => {
    expect(wasm.backend).toBe("wasm");
    expect((await loadVerifier("js")).backend).toBe("js");
  });

  for (const v of [jsVerifier, wasm]) {
    it(`${v.backend}: accepts a valid event, refuses any change`, () => {
      expect(v.verify({ ...e })).toBe(true);
      expect(v.verify({ ...e, content: "hi!" })).toBe(false);
      expect(v.verify({ ...e, created_at: 2 })).toBe(false);
      expect(v.verify({ ...e, tags: [] })).toBe(false);
      const flipped = (e.sig[0] === "0" ? "1" : "0") + e.sig.slice(1);
      expect(v.verify({ ...e, sig: flipped as never })).toBe(false);
      expect(v.verify({ ...e, pubkey: "f".repeat(64) as never })).toBe(false);
    });

    it(`${v.backend}: does not trust a verified mark left on the object`, () => {
      const forged = { ...e, content: "forged" } as NostrEvent & Record<symbol, boolean>;
      for (const s of Object.getOwnPropertySymbols(e)) forged[s] = true;
      expect(v.verify(forged)).toBe(false);
    });
  }
});

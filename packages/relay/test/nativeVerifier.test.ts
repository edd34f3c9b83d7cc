/**
 * The native signature backend (`nativeVerifier.ts`) gives the same answer as the pure-JS reference
 * on valid events, on every one-field change, and on malformed fields (where hex decoding would
 * otherwise stop silently at a bad digit).
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { jsVerifier, type NostrEvent } from "@rally/protocol/nostr";
import { finalizeEvent, generateSecretKey, verifyEvent } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { loadNativeVerifier, nativeSchnorrPath } from "../src/nativeVerifier.ts";
import { type VerifyCode, VerifyPool } from "../src/verifyPool.ts";

const native = loadNativeVerifier();
const sk = generateSecretKey();
const events = Array.from(
  { length: 40 },
  (_, i) =>
    finalizeEvent(
      {
        kind: i % 3 === 0 ? 445 : 1,
        created_at: 1_700_000_000 + i,
        tags: [["h", `r${i}`]],
        content: `m ${i} ü\n"`,
      },
      sk,
    ) as unknown as NostrEvent,
);

describe.skipIf(native === undefined)(
  "native signature checks (bcrypto's libsecp256k1 binding is built here)",
  () => {
    const v = native!;

    it("is the native backend", () => {
      expect(v.backend).toBe("native");
    });

    it("accepts valid events and refuses any change, as the reference does", () => {
      const flip = (hex: string, at: number) =>
        hex.slice(0, at) + (hex[at] === "0" ? "1" : "0") + hex.slice(at + 1);
      for (const e of events) {
        const variants: NostrEvent[] = [
          e,
          { ...e, content: `${e.content}!` },
          { ...e, created_at: e.created_at + 1 },
          { ...e, kind: e.kind + 1 },
          { ...e, tags: [] },
          { ...e, sig: flip(e.sig, 0) as never },
          { ...e, sig: flip(e.sig, 127) as never },
          { ...e, id: flip(e.id, 10) as never },
          { ...e, pubkey: flip(e.pubkey, 63) as never },
          { ...e, pubkey: "f".repeat(64) as never },
        ];
        for (const x of variants) expect(v.verify(x)).toBe(jsVerifier.verify(x));
        expect(v.verify(e)).toBe(true);
      }
    });

    it("refuses malformed ids, keys and signatures instead of decoding part of them", () => {
      const e = events[0]!;
      const bad: unknown[] = [
        { ...e, sig: e.sig.toUpperCase() },
        { ...e, sig: `${e.sig.slice(0, 126)}zz` },
        { ...e, sig: e.sig.slice(0, 126) },
        { ...e, sig: `${e.sig}00` },
        { ...e, id: e.id.toUpperCase() },
        { ...e, pubkey: `${e.pubkey.slice(0, 62)}g0` },
        { ...e, pubkey: 7 },
        { ...e, id: null },
        { ...e, tags: "not tags" },
      ];
      for (const x of bad) expect(v.verify(x as NostrEvent)).toBe(false);
    });

    it("refuses fields of the wrong type even when the signature matches their JSON, as nostr-tools does", async () => {
      const schnorr = createRequire(import.meta.url)(nativeSchnorrPath()!) as {
        sign(msg: Uint8Array, key: Uint8Array): Uint8Array;
        publicKeyCreate(key: Uint8Array): Uint8Array;
      };
      const key = Buffer.from(generateSecretKey());
      const pubkey = Buffer.from(schnorr.publicKeyCreate(key)).toString("hex");
      /** Signed over the JSON serialization of exactly these fields, whatever their types. */
      const signed = (f: Record<string, unknown>): NostrEvent => {
        const id = createHash("sha256")
          .update(JSON.stringify([0, pubkey, f.created_at, f.kind, f.tags, f.content]))
          .digest("hex");
        const sig = Buffer.from(schnorr.sign(Buffer.from(id, "hex"), key)).toString("hex");
        return {
          id,
          pubkey,
          created_at: f.created_at,
          kind: f.kind,
          tags: f.tags,
          content: f.content,
          sig,
        } as NostrEvent;
      };
      const ok = { created_at: 1_700_000_000, kind: 1, tags: [["t", "x"]], content: "x" };
      const shapes = {
        kindString: { ...ok, kind: "1" },
        contentNumber: { ...ok, content: 5 },
        contentNull: { ...ok, content: null },
        tagItemsNumbers: { ...ok, tags: [[1, 2]] },
        tagsObject: { ...ok, tags: {} },
        createdAtString: { ...ok, created_at: "1700000000" },
      };
      expect(v.verify(signed(ok))).toBe(true);
      const pool = new VerifyPool({ size: 1, backend: "native" });
      try {
        const onWorker = (e: NostrEvent) =>
          new Promise<VerifyCode>((resolve) => pool.check(JSON.stringify(e), resolve));
        expect(await onWorker(signed(ok))).toBe(0);
        for (const [what, fields] of Object.entries(shapes)) {
          const e = signed(fields);
          expect(verifyEvent(e as never), what).toBe(false);
          expect(v.verify(e), what).toBe(false);
          // The worker leaves such an event to the relay thread (3) rather than passing it (0).
          expect(await onWorker(e), what).toBe(3);
        }
      } finally {
        await pool.close();
      }
    });

    it("does not trust a verified mark left on the object", () => {
      const e = events[1]!;
      const forged = { ...e, content: "forged" } as NostrEvent & Record<symbol, boolean>;
      for (const s of Object.getOwnPropertySymbols(e)) forged[s] = true;
      expect(v.verify(forged)).toBe(false);
    });
  },
);

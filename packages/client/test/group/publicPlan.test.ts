/**
 * The pure parts of the public face: what to sign or delete (publicPlan.ts), and which 1927 wins
 * on a device (publicFaceRecords.ts `faceAfterShare`).
 */
import { buildPublicFace } from "@rally/protocol/app";
import type { NostrEvent } from "nostr-tools/core";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { faceAfterShare } from "../../src/group/publicFaceRecords.ts";
import { planPublic, type WantedEvent } from "../../src/group/publicPlan.ts";
import { bytesToHex } from "../../src/hex.ts";

const key = generateSecretKey();
const sign = (w: WantedEvent, at: number): NostrEvent => finalizeEvent({ ...w, created_at: at }, key);
const calendar = (a: string[]): WantedEvent => ({
  kind: 31924,
  tags: [["d", "rally"], ["title", "T"], ...a.map((x) => ["a", x])],
  content: "",
});
const event = (d: string, title: string): WantedEvent => ({
  kind: 31923,
  tags: [
    ["d", d],
    ["title", title],
    ["start", "1900000000"],
  ],
  content: "",
});

describe("planPublic", () => {
  it("signs what is missing or different, later than what it replaces and than deletions", () => {
    const shown = [sign(event("a", "Old"), 500), sign(calendar(["x"]), 400)];
    const deletion = finalizeEvent(
      { kind: 5, created_at: 700, tags: [["e", "00".repeat(32)]], content: "" },
      key,
    );
    const plan = planPublic([event("a", "New"), calendar(["x"]), event("b", "B")], [...shown, deletion], 100);
    expect(plan.sign.map((s) => s.tags[1]?.[1])).toEqual(["New", "B"]);
    // Later than the version replaced (500) and than the key's newest deletion (700).
    expect(plan.sign.every((s) => s.created_at >= 701)).toBe(true);
    expect(plan.remove).toEqual([]);
  });

  it("signs nothing when the relays already show it; removes what nobody wants unless kept", () => {
    const a = sign(event("a", "A"), 10);
    const past = sign(event("s:1", "Past"), 10);
    const gone = sign(event("g", "Gone"), 10);
    const plan = planPublic([event("a", "A")], [a, past, gone], 100, (e) => e.id === past.id);
    expect(plan.sign).toEqual([]);
    expect(plan.remove.map((e) => e.id)).toEqual([gone.id]);
  });

  it("reads the newest version of a slot when relays disagree", () => {
    const older = sign(event("a", "A"), 10);
    const newer = sign(event("a", "A2"), 20);
    expect(planPublic([event("a", "A2")], [newer, older], 100).sign).toEqual([]);
    expect(planPublic([event("a", "A2")], [older, newer], 100).sign).toEqual([]);
  });
});

describe("faceAfterShare", () => {
  const admin = generateSecretKey();
  const share = (secret: Uint8Array, at: number) =>
    buildPublicFace(
      { secret: bytesToHex(secret), name: "T", about: null, picture: null, website: null, off: false },
      { pubkey: getPublicKey(admin), createdAt: at },
    );

  it("the newest share wins; the key it replaces is retired; an older share changes nothing", () => {
    const k1 = generateSecretKey();
    const k2 = generateSecretKey();
    const first = faceAfterShare("g", share(k1, 10), undefined);
    expect(first?.face.pubkey).toBe(getPublicKey(k1));
    const second = faceAfterShare("g", share(k2, 20), first?.face);
    expect(second?.face.pubkey).toBe(getPublicKey(k2));
    expect(second?.face.retired).toEqual([bytesToHex(k1)]);
    expect(faceAfterShare("g", share(k1, 15), second?.face)).toBeNull();
    // A rotation flag is cleared by a share taken after it.
    const marked = { ...(second?.face as NonNullable<typeof second>["face"]), rotate: true };
    expect(faceAfterShare("g", share(k2, 30), marked)?.face.rotate).toBeUndefined();
  });
});

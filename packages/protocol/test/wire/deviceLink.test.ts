// Device links (docs/PROTOCOL.md section 18): the link's format and expiry, each step sealed to its
// recipient only, and history parts that always fit a gift wrap.
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import {
  deviceLinkAccountCheck,
  deviceLinkCode,
  deviceLinkUrl,
  historyParts,
  normalizeDeviceLinkCode,
  openDeviceLinkMessage,
  parseDeviceLink,
  wrapDeviceLinkMessage,
} from "../../src/wire/deviceLink.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("device links", () => {
  it("gives both devices one six-digit code per request, another for another device", () => {
    const link = getPublicKey(generateSecretKey());
    const n = getPublicKey(generateSecretKey());
    const code = deviceLinkCode(link, n);
    expect(code).toMatch(/^[0-9]{3} [0-9]{3}$/);
    expect(deviceLinkCode(link, n)).toBe(code);
    // Another requester, or the same requester on another link: (almost always) another code.
    const others = new Set(
      Array.from({ length: 20 }, () => deviceLinkCode(link, getPublicKey(generateSecretKey()))),
    );
    expect(others.size).toBeGreaterThan(15);
    expect(deviceLinkCode(n, link)).not.toBe(code);
    // A known value, so that every implementation agrees.
    expect(deviceLinkCode("0".repeat(64), "f".repeat(64))).toBe("177 477");
    expect(() => deviceLinkCode("xyz", n)).toThrow(/64 hex digits/);
    expect(() => deviceLinkCode(link, n.toUpperCase())).toThrow(/64 hex digits/);
    // What a person types.
    for (const typed of ["482915", "482 915", " 482-915 ", "482  915"])
      expect(normalizeDeviceLinkCode(typed)).toBe("482 915");
    for (const typed of ["48291", "4829156", "48a915", "", "４８２９１５"])
      expect(normalizeDeviceLinkCode(typed)).toBeNull();
  });

  it("carries a check of its account that names nobody; a damaged one is refused", () => {
    const k = hex(generateSecretKey());
    const L = getPublicKey(Uint8Array.from(Buffer.from(k, "hex")));
    const person = getPublicKey(generateSecretKey());
    const check = deviceLinkAccountCheck(L, person);
    expect(check).toMatch(/^[0-9a-f]{32}$/);
    expect(deviceLinkAccountCheck(L, getPublicKey(generateSecretKey()))).not.toBe(check);
    const url = deviceLinkUrl(
      { linkSecretKey: k, relays: ["ws://127.0.0.1:7447"], expiresAt: 2_000, accountCheck: check },
      "http://127.0.0.1:7447",
    );
    expect(url).not.toContain(person);
    expect(parseDeviceLink(url, 1_000).accountCheck).toBe(check);
    const payload = (v: object) => `http://x/#device=${Buffer.from(JSON.stringify(v)).toString("base64url")}`;
    for (const a of ["xyz", 5, "0".repeat(31), "A".repeat(32)])
      expect(() =>
        parseDeviceLink(payload({ v: 1, k, r: ["ws://127.0.0.1:7447"], x: 2_000, a }), 1_000),
      ).toThrow(/damaged/);
    // Links made before the check still read.
    expect(
      parseDeviceLink(payload({ v: 1, k, r: ["ws://127.0.0.1:7447"], x: 2_000 }), 1_000).accountCheck,
    ).toBe(undefined);
  });

  it("round-trips, expires, and names damage and invite links plainly", () => {
    const k = hex(generateSecretKey());
    const url = deviceLinkUrl(
      { linkSecretKey: k, relays: ["ws://127.0.0.1:7447"], expiresAt: 2_000 },
      "http://127.0.0.1:7447/",
    );
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:7447\/#device=[A-Za-z0-9_-]+$/);
    expect(parseDeviceLink(url, 1_000)).toEqual({
      linkSecretKey: k,
      relays: ["ws://127.0.0.1:7447"],
      expiresAt: 2_000,
    });
    expect(() => parseDeviceLink(url, 2_001)).toThrow(/expired/);
    expect(() => parseDeviceLink(`${url.slice(0, -4)}%%%%`, 1_000)).toThrow(/damaged/);
    expect(() => parseDeviceLink("http://x/#join=abc", 1_000)).toThrow(/invite link to a group/);
  });

  it("opens a step only for its recipient, and says who sent it", () => {
    const link = generateSecretKey();
    const n = generateSecretKey();
    const wrap = wrapDeviceLinkMessage({
      message: { step: "request", name: "Laptop" },
      senderSecretKey: n,
      recipientPubkey: getPublicKey(link),
      now: 1_800_000_000,
    });
    expect(openDeviceLinkMessage(wrap, link)).toMatchObject({
      message: { step: "request", name: "Laptop" },
      sender: getPublicKey(n),
    });
    expect(() => openDeviceLinkMessage(wrap, generateSecretKey())).toThrow();
    const bad = wrapDeviceLinkMessage({
      message: { step: "history", group: "zz", part: 3, parts: 2, records: [] } as never,
      senderSecretKey: n,
      recipientPubkey: getPublicKey(link),
      now: 1_800_000_000,
    });
    expect(() => openDeviceLinkMessage(bad, link)).toThrow(/wrong shape/);
  });

  it("splits history so that every part can be sealed, escaped records and all", () => {
    const record = JSON.stringify({
      json: JSON.stringify({ r: { content: `"quoted" \\ ${"x".repeat(500)}` } }),
    });
    const parts = historyParts(Array.from({ length: 600 }, () => record));
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.flat()).toHaveLength(600);
    const link = generateSecretKey();
    for (const [i, part] of parts.entries()) {
      const wrap = wrapDeviceLinkMessage({
        message: { step: "history", group: "ab".repeat(32), part: i, parts: parts.length, records: part },
        senderSecretKey: link,
        recipientPubkey: getPublicKey(generateSecretKey()),
        now: 1_800_000_000,
      });
      expect(wrap.kind).toBe(1059);
    }
    expect(historyParts([])).toEqual([[]]);
  });
});

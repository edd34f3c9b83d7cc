import { bytesToHex } from "@noble/hashes/utils.js";
import { base64urlnopad } from "@scure/base";
import fc from "fast-check";
import { getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { hasUnsafeChars } from "../../src/marmot/bytes.ts";
import {
  createInviteLink,
  encodeInviteLink,
  type InviteLink,
  inviteLinkId,
  inviteLinkUrl,
  isInviteLinkExpired,
  MAX_LINK_NAME_BYTES,
  MarmotError,
  parseInviteLink,
} from "../../src/marmot/index.ts";
import { codeOf, counterRandom } from "./helpers.ts";

const NOW = 1_750_000_000;
const { link, linkSecretKey } = createInviteLink({
  relays: ["wss://relay.example.org/", "ws://127.0.0.1:7447"],
  name: "Tenants' union 🏠",
  expiresAt: NOW + 3600,
  approval: true,
  random: counterRandom(11),
});

function payloadBytes(l: InviteLink): Uint8Array {
  return base64urlnopad.decode(encodeInviteLink(l));
}

function edited(edit: (b: Uint8Array) => Uint8Array): string {
  return base64urlnopad.encode(edit(Uint8Array.from(payloadBytes(link))));
}

describe("invite links", () => {
  it("makes a link whose key is held by the admin", () => {
    expect(getPublicKey(linkSecretKey)).toBe(link.linkPubkey);
    expect(link.linkSecret).toHaveLength(16);
    expect(link.relays).toEqual(["wss://relay.example.org", "ws://127.0.0.1:7447"]);
    expect(inviteLinkId(link)).toBe(link.linkPubkey);
  });

  it("round-trips through every accepted spelling", () => {
    const url = inviteLinkUrl(link, "https://rally.example.org");
    expect(url.startsWith("https://rally.example.org/#join=")).toBe(true);
    const payload = url.split("#join=")[1]!;
    for (const text of [
      url,
      ` ${url}\n`,
      `rally:join=${payload}`,
      `rally:${payload}`,
      payload,
      inviteLinkUrl(link, "http://localhost:7447/app/"),
    ]) {
      const parsed = parseInviteLink(text, { now: NOW });
      expect(parsed).toEqual(link);
      expect(bytesToHex(parsed.linkSecret)).toBe(bytesToHex(link.linkSecret));
    }
  });

  it("stays short enough for a QR code", () => {
    expect(inviteLinkUrl(link, "https://rally.example.org").length).toBeLessThan(200);
  });

  it("round-trips links without name, expiry or approval", () => {
    const plain = createInviteLink({ relays: ["wss://r.example"] }).link;
    expect(plain.name).toBeNull();
    expect(plain.expiresAt).toBeNull();
    expect(plain.approval).toBe(false);
    expect(parseInviteLink(encodeInviteLink(plain))).toEqual(plain);
  });

  it("round-trips any valid link (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }).filter((s) => !hasUnsafeChars(s)),
        fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: null }),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        (name, expiresAt, approval, relayCount) => {
          const relays = Array.from({ length: relayCount }, (_, i) => `wss://r${i}.example.org`);
          const made = createInviteLink({ relays, name, expiresAt, approval }).link;
          expect(parseInviteLink(encodeInviteLink(made), { ignoreExpiry: true })).toEqual(made);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("says when a link has expired", () => {
    expect(isInviteLinkExpired(link, NOW + 3600)).toBe(false);
    expect(isInviteLinkExpired(link, NOW + 3601)).toBe(true);
    expect(codeOf(() => parseInviteLink(encodeInviteLink(link), { now: NOW + 3601 }))).toBe("expired");
    expect(parseInviteLink(encodeInviteLink(link), { now: NOW + 3601, ignoreExpiry: true }).expiresAt).toBe(
      NOW + 3600,
    );
  });

  it("refuses damaged, truncated, extended or foreign payloads in plain words", () => {
    const bytes = payloadBytes(link);
    const cases: [string, string, string][] = [
      ["truncated by one byte", edited((b) => b.slice(0, -1)), "malformed"],
      ["trailing byte", edited((b) => Uint8Array.from([...b, 0])), "malformed"],
      ["version 2", edited((b) => b.map((x, i) => (i === 0 ? 2 : x))), "malformed"],
      ["unknown flag", edited((b) => b.map((x, i) => (i === 1 ? 3 : x))), "malformed"],
      [
        "off-curve key",
        edited((b) => b.map((x, i) => (i >= 2 && i < 34 ? 0 : i === 33 ? 5 : x))),
        "malformed",
      ],
      ["no relays", edited((b) => b.map((x, i) => (i === 54 ? 0 : x))), "malformed"],
      ["five relays", edited((b) => b.map((x, i) => (i === 54 ? 5 : x))), "malformed"],
      ["empty", "", "malformed"],
      ["not base64url", "abc$def", "malformed"],
      ["bad base64url tail", "AQB", "bad-encoding"],
      ["web page without join", "https://rally.example.org/#other=abc", "malformed"],
      ["too long", "A".repeat(2000), "too-large"],
    ];
    expect(bytes[54]).toBe(2);
    for (const [name, text, code] of cases) {
      expect(
        codeOf(() => parseInviteLink(text, { now: NOW })),
        name,
      ).toBe(code);
    }
    let message = "";
    try {
      parseInviteLink(edited((b) => b.slice(0, 40)));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/not copied completely/);
    expect(codeOf(() => parseInviteLink(42 as never))).toBe("malformed");
  });

  it("refuses a name with control characters or over 100 bytes", () => {
    expect(codeOf(() => createInviteLink({ relays: ["wss://r.example"], name: "a\u0000b" }))).toBe(
      "bad-parameter",
    );
    expect(codeOf(() => createInviteLink({ relays: ["wss://r.example"], name: "evil\u202Etxt" }))).toBe(
      "bad-parameter",
    );
    expect(
      codeOf(() =>
        createInviteLink({ relays: ["wss://r.example"], name: "é".repeat(MAX_LINK_NAME_BYTES / 2) }),
      ),
    ).toBe("no error");
    expect(
      codeOf(() =>
        createInviteLink({ relays: ["wss://r.example"], name: "a".repeat(MAX_LINK_NAME_BYTES + 1) }),
      ),
    ).toBe("too-large");
    const withControl = edited((b) => {
      const out = Uint8Array.from(b);
      out[out.length - 5] = 0x07; // the space before the emoji
      return out;
    });
    expect(codeOf(() => parseInviteLink(withControl, { now: NOW }))).toBe("malformed");
    const badUtf8 = edited((b) => {
      const out = Uint8Array.from(b);
      out[out.length - 1] = 0xff;
      return out;
    });
    expect(codeOf(() => parseInviteLink(badUtf8, { now: NOW }))).toBe("bad-encoding");
  });

  it("refuses bad parameters", () => {
    expect(codeOf(() => createInviteLink({ relays: [] }))).toBe("bad-tag");
    expect(
      codeOf(() =>
        createInviteLink({ relays: ["wss://a.e", "wss://b.e", "wss://c.e", "wss://d.e", "wss://e.e"] }),
      ),
    ).toBe("too-large");
    expect(codeOf(() => createInviteLink({ relays: ["wss://r.example"], expiresAt: 0 }))).toBe(
      "bad-parameter",
    );
    expect(codeOf(() => createInviteLink({ relays: ["wss://r.example"], expiresAt: 2 ** 32 }))).toBe(
      "bad-parameter",
    );
    expect(codeOf(() => inviteLinkUrl(link, "rally.example.org"))).toBe("bad-parameter");
    expect(codeOf(() => encodeInviteLink({ ...link, linkSecret: new Uint8Array(15) }))).toBe("bad-parameter");
  });

  it("only ever throws MarmotError on arbitrary text (fuzz)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 200 }).map((b) => base64urlnopad.encode(b)),
        ),
        (text) => {
          try {
            parseInviteLink(text, { now: NOW });
          } catch (e) {
            expect(e).toBeInstanceOf(MarmotError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

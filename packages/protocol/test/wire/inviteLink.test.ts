import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { base64urlnopad } from "@scure/base";
import fc from "fast-check";
import { getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { hasUnsafeChars } from "../../src/wire/bytes.ts";
import {
  createInviteLink,
  DAMAGED_LINK_MESSAGE,
  encodeInviteLink,
  type InviteLink,
  inviteLinkId,
  inviteLinkUrl,
  isInviteLinkExpired,
  MAX_LINK_NAME_BYTES,
  MarmotError,
  parseInviteLink,
} from "../../src/wire/index.ts";
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

/** The record without its check (the 4 bytes at the end). */
function body(l: InviteLink): Uint8Array {
  return payloadBytes(l).slice(0, -4);
}

/** `b` with the check PROTOCOL.md 10.1 describes: SHA-256("rally/v2 invite-link" ‖ b)[0..4]. */
function withCheck(b: Uint8Array): Uint8Array {
  const label = new TextEncoder().encode("rally/v2 invite-link");
  return Uint8Array.from([...b, ...sha256(Uint8Array.from([...label, ...b])).slice(0, 4)]);
}

/** A payload whose record was edited, with a check that matches the edit. */
function edited(edit: (b: Uint8Array) => Uint8Array): string {
  return base64urlnopad.encode(withCheck(edit(Uint8Array.from(body(link)))));
}

/** The same link as made before links had a check: version 1, no check. */
function versionOne(l: InviteLink): string {
  const b = body(l);
  b[0] = 1;
  return base64urlnopad.encode(b);
}

/** The message and code a parse fails with. */
function refusal(text: string): { code: string; message: string } {
  try {
    parseInviteLink(text, { now: NOW });
  } catch (e) {
    if (e instanceof MarmotError) return { code: e.code, message: e.message };
    throw e;
  }
  return { code: "no error", message: "" };
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

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

  it("refuses malformed, extended or foreign payloads in plain words", () => {
    const bytes = body(link);
    const cases: [string, string, string][] = [
      ["truncated record with a matching check", edited((b) => b.slice(0, -1)), "damaged"],
      ["trailing byte", edited((b) => Uint8Array.from([...b, 0])), "damaged"],
      ["version 3", edited((b) => b.map((x, i) => (i === 0 ? 3 : x))), "malformed"],
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
      ["bad base64url tail", "AQB", "damaged"],
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
    expect(codeOf(() => parseInviteLink(42 as never))).toBe("malformed");
  });

  it("ends every payload with the documented check", () => {
    expect(payloadBytes(link)[0]).toBe(2);
    expect(bytesToHex(payloadBytes(link))).toBe(bytesToHex(withCheck(body(link))));
  });

  it("refuses a link with one character of its secret changed, in the words people see", () => {
    const url = inviteLinkUrl(link, "https://rally.example.org");
    const start = url.indexOf("#join=") + "#join=".length;
    // Bytes 34–49 are the secret: base64url characters 46–65 of the payload carry only its bits.
    const at = start + 50;
    const changed = `${url.slice(0, at)}${url[at] === "Q" ? "R" : "Q"}${url.slice(at + 1)}`;
    expect(refusal(changed)).toEqual({ code: "damaged", message: DAMAGED_LINK_MESSAGE });
    expect(DAMAGED_LINK_MESSAGE).toBe(
      "This invite link is damaged (a character was changed or lost). Ask for the link again.",
    );
  });

  it("refuses every one-character change anywhere in the payload", () => {
    const payload = encodeInviteLink(link);
    const codes = new Set<string>();
    for (let i = 0; i < payload.length; i++) {
      for (const c of ALPHABET) {
        if (c === payload[i]) continue;
        codes.add(refusal(`rally:${payload.slice(0, i)}${c}${payload.slice(i + 1)}`).code);
      }
    }
    expect([...codes]).toEqual(["damaged"]);
  });

  it("refuses a truncated link, cut anywhere", () => {
    const url = inviteLinkUrl(link, "https://rally.example.org");
    const start = url.indexOf("#join=") + "#join=".length;
    for (let end = start; end < url.length; end++) {
      expect(refusal(url.slice(0, end)), `cut at ${end - start}`).toEqual({
        code: "damaged",
        message: DAMAGED_LINK_MESSAGE,
      });
    }
  });

  it("refuses characters outside base64url in a link", () => {
    const url = inviteLinkUrl(link, "https://rally.example.org");
    const payload = encodeInviteLink(link);
    const middle = Math.floor(payload.length / 2);
    const texts = [
      `${url}.`, // a full stop after the link in a sentence
      `${url}=`, // padding added by a tool
      `https://rally.example.org/#join=${payload.slice(0, middle)} ${payload.slice(middle)}`,
      `https://rally.example.org/#join=${payload.slice(0, middle)}+${payload.slice(middle + 1)}`,
      `https://rally.example.org/#join=${payload.slice(0, middle)}%2F${payload.slice(middle + 1)}`,
      `rally:join=${payload.slice(0, middle)}é${payload.slice(middle + 1)}`,
      "https://rally.example.org/#join=",
    ];
    for (const text of texts)
      expect(refusal(text), text).toEqual({ code: "damaged", message: DAMAGED_LINK_MESSAGE });
  });

  it("refuses a wrong check", () => {
    const b = body(link);
    const right = withCheck(b);
    for (let i = right.length - 4; i < right.length; i++) {
      const wrong = Uint8Array.from(right);
      wrong[i] = wrong[i]! ^ 0x01;
      expect(refusal(base64urlnopad.encode(wrong)).code).toBe("damaged");
    }
    const unlabelled = Uint8Array.from([...b, ...sha256(b).slice(0, 4)]);
    expect(refusal(base64urlnopad.encode(unlabelled)).code).toBe("damaged");
    // A version 2 record without any check is a link cut short.
    expect(refusal(base64urlnopad.encode(b)).code).toBe("damaged");
  });

  it("still accepts links made before the check (version 1), which cannot tell damage", () => {
    const old = versionOne(link);
    expect(parseInviteLink(`https://rally.example.org/#join=${old}`, { now: NOW })).toEqual(link);
    // Its structure still catches a link cut short or extended.
    expect(refusal(old.slice(0, -8))).toEqual({ code: "damaged", message: DAMAGED_LINK_MESSAGE });
    expect(refusal(`${old}AAAA`).code).toBe("damaged");
    // A changed secret goes unnoticed in a version 1 link: that is what the check adds.
    const at = 50;
    const changed = `${old.slice(0, at)}${old[at] === "Q" ? "R" : "Q"}${old.slice(at + 1)}`;
    const parsed = parseInviteLink(changed, { now: NOW });
    expect(parsed.linkPubkey).toBe(link.linkPubkey);
    expect(bytesToHex(parsed.linkSecret)).not.toBe(bytesToHex(link.linkSecret));
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

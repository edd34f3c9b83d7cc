import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../src/nostr/event.ts";
import { deletionTargets } from "../../src/nostr/nip09.ts";
import { isExpired, readExpiration } from "../../src/nostr/nip40.ts";
import { checkAuthEvent, makeAuthEvent, relayHost } from "../../src/nostr/nip42.ts";
import { isProtected } from "../../src/nostr/nip70.ts";

const sk = generateSecretKey();
const pk = getPublicKey(sk);
const sign = (kind: number, tags: string[][], created_at = 1000) =>
  finalizeEvent({ kind, tags, content: "", created_at }, sk) as unknown as NostrEvent;

describe("NIP-09 deletionTargets", () => {
  it("collects e ids and own a addresses, ignoring others' addresses and junk", () => {
    const other = "f".repeat(64);
    const t = deletionTargets(
      sign(
        5,
        [
          ["e", "a".repeat(64)],
          ["e", "short"],
          ["a", `30023:${pk}:x`],
          ["a", `30023:${other}:x`],
          ["a", "junk"],
          ["e"],
        ],
        50,
      ),
    );
    expect(t.ids).toEqual(["a".repeat(64)]);
    expect(t.addresses).toEqual([{ kind: 30023, d: "x", until: 50 }]);
    expect(deletionTargets(sign(1, [["e", "a".repeat(64)]]))).toEqual({ ids: [], addresses: [] });
  });
});

describe("NIP-40 expiration", () => {
  it("reads the first expiration tag and refuses malformed ones", () => {
    expect(readExpiration({ tags: [] })).toEqual({ ok: true, value: undefined });
    expect(
      readExpiration({
        tags: [
          ["expiration", "1700000000"],
          ["expiration", "1"],
        ],
      }),
    ).toEqual({ ok: true, value: 1700000000 });
    for (const v of ["", "soon", "-5", "1.5", " 12"])
      expect(readExpiration({ tags: [["expiration", v]] }).ok).toBe(false);
    expect(readExpiration({ tags: [["expiration"]] }).ok).toBe(false);
  });

  it("is expired at and after the time", () => {
    const e = { tags: [["expiration", "100"]] };
    expect(isExpired(e, 99)).toBe(false);
    expect(isExpired(e, 100)).toBe(true);
    expect(isExpired({ tags: [] }, 1e12)).toBe(false);
  });
});

describe("NIP-42 auth events", () => {
  const url = "ws://127.0.0.1:7447";
  const auth = (over: { kind?: number; created_at?: number; tags?: string[][] } = {}) =>
    finalizeEvent({ ...makeAuthEvent(pk as never, url, "chal", 1000), ...over }, sk) as unknown as NostrEvent;
  const check = { challenge: "chal", relayHosts: ["127.0.0.1:7447"], now: 1000 };

  it("accepts a fresh answer to our challenge for our relay", () => {
    expect(checkAuthEvent(auth(), check).ok).toBe(true);
    expect(checkAuthEvent(auth({ created_at: 1600 }), check).ok).toBe(true);
  });

  it.each([
    ["wrong kind", { kind: 1 }],
    ["too old", { created_at: 399 }],
    ["too far ahead", { created_at: 1601 }],
    [
      "wrong challenge",
      {
        tags: [
          ["relay", url],
          ["challenge", "other"],
        ],
      },
    ],
    ["no challenge", { tags: [["relay", url]] }],
    [
      "another relay",
      {
        tags: [
          ["relay", "wss://elsewhere.example"],
          ["challenge", "chal"],
        ],
      },
    ],
    ["no relay", { tags: [["challenge", "chal"]] }],
  ])("refuses %s", (_n, over) => {
    expect(checkAuthEvent(auth(over), check).ok).toBe(false);
  });

  it("normalizes relay hosts", () => {
    expect(relayHost("wss://Relay.Example.com:443/path")).toBe("relay.example.com");
    expect(relayHost("ws://relay.example.com:80")).toBe("relay.example.com");
    expect(relayHost("ws://127.0.0.1:7447/")).toBe("127.0.0.1:7447");
    expect(relayHost("https://[::1]:8080")).toBe("[::1]:8080");
    expect(relayHost("not a url")).toBeUndefined();
  });
});

describe("NIP-70 protected", () => {
  it("is protected only by a lone '-' tag", () => {
    expect(isProtected({ tags: [["-"]] })).toBe(true);
    expect(isProtected({ tags: [["-", "x"]] })).toBe(false);
    expect(isProtected({ tags: [["p", "-"]] })).toBe(false);
  });
});

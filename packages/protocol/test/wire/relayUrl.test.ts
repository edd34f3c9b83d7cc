import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkRelayUrl, MarmotError, normalizeRelayList, normalizeRelayUrl } from "../../src/wire/index.ts";
import { codeOf } from "./helpers.ts";

describe("relay URL profile", () => {
  it("accepts ws and wss URLs with host, port, path and query", () => {
    for (const url of [
      "wss://relay.example.org",
      "ws://127.0.0.1:7447",
      "wss://relay.example.org/nostr",
      "wss://relay.example.org:8443/a/b?x=1&y=%20",
      "ws://[::1]:7447",
      "WSS://Relay.Example.org",
      "ws://localhost",
    ]) {
      expect(checkRelayUrl(url)).toBe(url);
    }
  });

  it("refuses other schemes, credentials, fragments, spaces, bad ports and non-text", () => {
    for (const url of [
      "https://relay.example.org",
      "relay.example.org",
      "wss://",
      "wss://user:pw@relay.example.org",
      "wss://relay.example.org#frag",
      "wss://relay example.org",
      "wss://relay.example.org:0",
      "wss://relay.example.org:65536",
      "wss://-bad.example.org",
      "wss://relay.example.org/<script>",
      " wss://relay.example.org",
    ]) {
      expect(
        codeOf(() => checkRelayUrl(url)),
        url,
      ).toBe("bad-relay-url");
    }
    expect(codeOf(() => checkRelayUrl(42))).toBe("bad-relay-url");
    expect(codeOf(() => checkRelayUrl(null))).toBe("bad-relay-url");
  });

  it("allows 512 bytes and refuses 513", () => {
    const base = "wss://relay.example.org/";
    expect(checkRelayUrl(base + "a".repeat(512 - base.length))).toHaveLength(512);
    expect(codeOf(() => checkRelayUrl(base + "a".repeat(513 - base.length)))).toBe("bad-relay-url");
  });

  it("normalises what Rally publishes", () => {
    expect(normalizeRelayUrl(" WSS://Relay.Example.org:443/ ")).toBe("wss://relay.example.org");
    expect(normalizeRelayUrl("ws://Host:80/path/")).toBe("ws://host/path/");
    expect(normalizeRelayUrl("ws://host:07447")).toBe("ws://host:7447");
    expect(normalizeRelayList(["wss://a.example/", "wss://A.example", "wss://b.example"], "list")).toEqual([
      "wss://a.example",
      "wss://b.example",
    ]);
    expect(codeOf(() => normalizeRelayList([], "list"))).toBe("bad-tag");
    expect(codeOf(() => normalizeRelayList(["wss://a.example", "wss://b.example"], "list", 1, 1))).toBe(
      "too-large",
    );
  });

  it("only ever throws MarmotError (fuzz)", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          checkRelayUrl(s);
          normalizeRelayUrl(s);
        } catch (e) {
          expect(e).toBeInstanceOf(MarmotError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { normalizeRelayUrl } from "../../src/net/relayUrl.ts";

describe("normalizeRelayUrl", () => {
  it("gives one form per relay", () => {
    expect(normalizeRelayUrl("ws://127.0.0.1:7447")).toBe("ws://127.0.0.1:7447/");
    expect(normalizeRelayUrl(" ws://127.0.0.1:7447/ ")).toBe("ws://127.0.0.1:7447/");
    expect(normalizeRelayUrl("WSS://Relay.Example.ORG:443/")).toBe("wss://relay.example.org/");
    expect(normalizeRelayUrl("relay.example.org")).toBe("wss://relay.example.org/");
    expect(normalizeRelayUrl("wss://relay.example.org/path/")).toBe("wss://relay.example.org/path");
    expect(normalizeRelayUrl("https://relay.example.org")).toBe("wss://relay.example.org/");
  });

  it("refuses what is not a relay address", () => {
    for (const bad of [
      "",
      "  ",
      "ftp://x.org",
      "http//nope nope",
      "ws://a b",
      "not a url",
      "mailto:x@y",
      "://x",
    ]) {
      expect(() => normalizeRelayUrl(bad), bad).toThrow(/is not a relay address/);
    }
    expect(() => normalizeRelayUrl(5 as unknown as string)).toThrow(/is not a relay address/);
  });
});

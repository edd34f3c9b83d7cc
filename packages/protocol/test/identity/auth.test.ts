import { hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import {
  buildAuthEvent,
  checkAuthEvent,
  generatePerson,
  IdentityError,
  KIND_AUTH,
  normalizeRelayUrlForAuth,
  personFromSecretKey,
  signAuthEvent,
  signEvent,
} from "../../src/identity/index.ts";
import vectors from "./vectors.json" with { type: "json" };

const person = personFromSecretKey(hexToBytes(vectors.nip06[0]!.privateKey));
const NOW = 1_750_000_000;
const RELAY = "wss://relay.example.org";

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof IdentityError && e.code === "bad-auth-event") return e.message;
    throw e;
  }
  return "no error";
}

describe("NIP-42 AUTH", () => {
  it("builds the kind 22242 template with relay and challenge tags", () => {
    expect(buildAuthEvent({ relayUrl: RELAY, challenge: "abc", now: NOW })).toEqual({
      kind: KIND_AUTH,
      created_at: NOW,
      tags: [
        ["relay", RELAY],
        ["challenge", "abc"],
      ],
      content: "",
    });
    expect(() => buildAuthEvent({ relayUrl: RELAY, challenge: "" })).toThrow(IdentityError);
    expect(() => buildAuthEvent({ relayUrl: RELAY, challenge: "x".repeat(1025) })).toThrow(IdentityError);
    expect(() => buildAuthEvent({ relayUrl: "https://relay.example.org", challenge: "c" })).toThrow(
      IdentityError,
    );
  });

  it("accepts a correct answer and returns the pubkey, tolerating URL spelling", () => {
    const event = signAuthEvent({
      relayUrl: `${RELAY}/`,
      challenge: "c1",
      secretKey: person.secretKey,
      now: NOW,
    });
    expect(
      checkAuthEvent(event, { relayUrl: "WSS://Relay.Example.org:443", challenge: "c1", now: NOW + 599 }),
    ).toBe(person.pubkey);
    expect(normalizeRelayUrlForAuth("ws://h:80/")).toBe("ws://h");
    expect(normalizeRelayUrlForAuth("ws://h:8080/path")).toBe("ws://h:8080/path");
  });

  it("refuses other challenges, relays, times, kinds and tampering", () => {
    const event = signAuthEvent({ relayUrl: RELAY, challenge: "c1", secretKey: person.secretKey, now: NOW });
    const expected = { relayUrl: RELAY, challenge: "c1", now: NOW };
    expect(failure(() => checkAuthEvent(event, { ...expected, challenge: "c2" }))).toMatch(
      /different challenge/,
    );
    expect(failure(() => checkAuthEvent(event, { ...expected, relayUrl: "wss://other.example" }))).toMatch(
      /different relay/,
    );
    expect(failure(() => checkAuthEvent(event, { ...expected, now: NOW + 601 }))).toMatch(/too far/);
    expect(failure(() => checkAuthEvent(event, { ...expected, now: NOW - 601 }))).toMatch(/too far/);
    expect(failure(() => checkAuthEvent({ ...event, created_at: NOW + 1 }, expected))).toMatch(/signature/);
    const other = generatePerson();
    expect(failure(() => checkAuthEvent({ ...event, pubkey: other.pubkey }, expected))).toMatch(/signature/);
    const wrongKind = signEvent(
      { ...buildAuthEvent({ relayUrl: RELAY, challenge: "c1", now: NOW }), kind: 1 },
      person.secretKey,
    );
    expect(failure(() => checkAuthEvent(wrongKind, expected))).toMatch(/kind is 1/);
    const twoChallenges = signEvent(
      {
        kind: KIND_AUTH,
        created_at: NOW,
        content: "",
        tags: [
          ["relay", RELAY],
          ["challenge", "c1"],
          ["challenge", "c1"],
        ],
      },
      person.secretKey,
    );
    expect(failure(() => checkAuthEvent(twoChallenges, expected))).toMatch(/different challenge/);
    expect(failure(() => checkAuthEvent(null as never, expected))).toMatch(/not an event/);
  });
});

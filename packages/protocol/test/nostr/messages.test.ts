import fc from "fast-check";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CLIENT_MESSAGE_LIMITS,
  eventMessageFromJson,
  parseClientMessage,
  parseRelayMessage,
  type RelayMessage,
  reasonPrefix,
  serializeClientMessage,
  serializeRelayMessage,
} from "../../src/nostr/messages.ts";

const ev = finalizeEvent({ kind: 1, created_at: 1, tags: [], content: "x" }, generateSecretKey());

describe("parseClientMessage", () => {
  it("parses EVENT, REQ, COUNT, CLOSE and AUTH", () => {
    expect(parseClientMessage(JSON.stringify(["EVENT", ev]))).toMatchObject({
      ok: true,
      value: { type: "EVENT" },
    });
    expect(parseClientMessage('["REQ","s",{"kinds":[1]},{}]')).toEqual({
      ok: true,
      value: { type: "REQ", subId: "s", filters: [{ kinds: [1] }, {}] },
    });
    expect(parseClientMessage('["COUNT","c",{}]')).toMatchObject({
      ok: true,
      value: { type: "COUNT", subId: "c" },
    });
    expect(parseClientMessage('["CLOSE","s"]')).toEqual({ ok: true, value: { type: "CLOSE", subId: "s" } });
    expect(parseClientMessage(JSON.stringify(["AUTH", ev]))).toMatchObject({
      ok: true,
      value: { type: "AUTH" },
    });
  });

  it("keeps what it can of a refused message to answer in kind", () => {
    const badEvent = parseClientMessage(JSON.stringify(["EVENT", { ...ev, kind: "x" }]));
    expect(badEvent).toMatchObject({ ok: false, error: { type: "EVENT", eventId: ev.id } });
    const badReq = parseClientMessage('["REQ","s",{"kinds":"x"}]');
    expect(badReq).toMatchObject({ ok: false, error: { type: "REQ", subId: "s" } });
    const notJson = parseClientMessage("nope");
    expect(notJson).toEqual({ ok: false, error: { reason: "invalid: message is not valid JSON" } });
    for (const r of [badEvent, badReq, notJson])
      if (!r.ok) expect(reasonPrefix(r.error.reason)).toBe("invalid");
  });

  it("caps message size: n bytes pass, n+1 fail (counted in UTF-8)", () => {
    const limits = { ...DEFAULT_CLIENT_MESSAGE_LIMITS, maxMessageBytes: 20 };
    const msg = '["CLOSE","é12345678"]'; // 22 characters, é is 2 bytes
    expect(msg.length).toBe(21);
    expect(parseClientMessage(msg, { ...limits, maxMessageBytes: 22 }).ok).toBe(true);
    const r = parseClientMessage(msg, { ...limits, maxMessageBytes: 21 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toMatch(/^invalid: message too large \(22 bytes; limit 21\)/);
  });

  it("caps filters and subscription ids at their limits", () => {
    const limits = { ...DEFAULT_CLIENT_MESSAGE_LIMITS, maxFilters: 2, maxSubIdLength: 3 };
    expect(parseClientMessage('["REQ","abc",{},{}]', limits).ok).toBe(true);
    expect(parseClientMessage('["REQ","abc",{},{},{}]', limits).ok).toBe(false);
    const long = parseClientMessage('["REQ","abcd",{}]', limits);
    // Refused, but with its id, so the relay can answer CLOSED as NIP-01 requires.
    expect(long).toMatchObject({ ok: false, error: { type: "REQ", subId: "abcd" } });
    expect(parseClientMessage('["REQ","",{}]', limits).ok).toBe(false);
    expect(parseClientMessage('["REQ",5,{}]', limits).ok).toBe(false);
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (s) => {
          parseClientMessage(s);
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom("EVENT", "REQ", "COUNT", "CLOSE", "AUTH"),
        fc.array(fc.jsonValue()),
        (t, rest) => {
          parseClientMessage(JSON.stringify([t, ...rest]));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("round-trips serialized client messages", () => {
    const m = { type: "REQ" as const, subId: "x", filters: [{ kinds: [1], "#h": ["a"] }] };
    expect(parseClientMessage(serializeClientMessage(m))).toEqual({ ok: true, value: m });
  });
});

describe("relay messages", () => {
  const id = ev.id as RelayMessage extends { eventId: infer I } ? I : never;
  const all: RelayMessage[] = [
    { type: "EVENT", subId: "s", event: JSON.parse(JSON.stringify(ev)) },
    { type: "OK", eventId: id, ok: false, message: "invalid: bad" },
    { type: "EOSE", subId: "s" },
    { type: "CLOSED", subId: "s", message: "auth-required: who are you" },
    { type: "NOTICE", message: "hello" },
    { type: "AUTH", challenge: "c" },
    { type: "COUNT", subId: "s", count: 3 },
  ];

  it.each(all)("round-trips $type", (m) => {
    expect(parseRelayMessage(serializeRelayMessage(m))).toEqual({ ok: true, value: m });
  });

  it("builds EVENT messages from stored JSON", () => {
    const json = JSON.stringify(ev);
    expect(parseRelayMessage(eventMessageFromJson('s"1', json))).toMatchObject({
      ok: true,
      value: { subId: 's"1' },
    });
  });

  it("refuses malformed relay messages", () => {
    for (const bad of ["x", "{}", '["OK","zz",true]', '["EVENT","s",{}]', '["COUNT","s",{}]', '["WHAT"]'])
      expect(parseRelayMessage(bad).ok).toBe(false);
    // Exactly NIP-01's shapes: element counts, subscription ids of 1..64 characters, field types.
    const strict = [
      JSON.stringify(["EVENT", "", ev]),
      JSON.stringify(["EVENT", "x".repeat(65), ev]),
      JSON.stringify(["EVENT", "s", ev, "extra"]),
      JSON.stringify(["OK", ev.id, true]),
      JSON.stringify(["OK", ev.id, true, 5]),
      '["EOSE","s","extra"]',
      '["CLOSED","s",5]',
      '["NOTICE"]',
      '["AUTH",""]',
      '["COUNT","s",{"count":-1}]',
      '["COUNT","s",{"count":1.5}]',
    ];
    for (const bad of strict) expect(parseRelayMessage(bad).ok, bad).toBe(false);
    expect(parseRelayMessage(JSON.stringify(["EVENT", "x".repeat(64), ev])).ok).toBe(true);
    expect(parseRelayMessage('["CLOSED","s"]')).toEqual({
      ok: true,
      value: { type: "CLOSED", subId: "s", message: "" },
    });
    expect(parseRelayMessage('["NOTICE","x"]', 5).ok).toBe(false);
    // The cap counts bytes, not characters.
    const accented = '["NOTICE","éé"]';
    const bytes = Buffer.byteLength(accented);
    expect(bytes).toBeGreaterThan(accented.length);
    expect(parseRelayMessage(accented, bytes).ok).toBe(true);
    expect(parseRelayMessage(accented, bytes - 1).ok).toBe(false);
  });
});

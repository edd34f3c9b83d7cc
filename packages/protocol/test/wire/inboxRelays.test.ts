import { describe, expect, it } from "vitest";
import { generatePerson, signEvent } from "../../src/identity/index.ts";
import { buildInboxRelaysEvent, inboxRelaysFilter, parseInboxRelaysEvent } from "../../src/wire/index.ts";
import { codeOf } from "./helpers.ts";

const person = generatePerson();

describe("inbox relays (kind 10050)", () => {
  it("builds relay tags and reads them back", () => {
    const template = buildInboxRelaysEvent({
      relays: ["wss://inbox.example.org/", "ws://127.0.0.1:7447"],
      now: 5,
    });
    expect(template).toEqual({
      kind: 10050,
      created_at: 5,
      tags: [
        ["relay", "wss://inbox.example.org"],
        ["relay", "ws://127.0.0.1:7447"],
      ],
      content: "",
    });
    const parsed = parseInboxRelaysEvent(signEvent(template, person.secretKey));
    expect(parsed).toMatchObject({
      author: person.pubkey,
      relays: ["wss://inbox.example.org", "ws://127.0.0.1:7447"],
      skipped: 0,
    });
    expect(inboxRelaysFilter([person.pubkey])).toEqual({ kinds: [10050], authors: [person.pubkey] });
  });

  it("skips unusable, repeated and surplus relays in other people's lists", () => {
    const tags = [
      ["relay", "wss://a.example"],
      ["relay", "https://not-a-relay.example"],
      ["relay", "wss://a.example"],
      ["relay"],
      ["client", "other app"],
      ...Array.from({ length: 20 }, (_, i) => ["relay", `wss://r${i}.example`]),
    ];
    const parsed = parseInboxRelaysEvent(
      signEvent({ kind: 10050, created_at: 1, tags, content: "" }, person.secretKey),
    );
    expect(parsed.relays).toHaveLength(16);
    expect(parsed.relays[0]).toBe("wss://a.example");
    expect(parsed.skipped).toBe(3 + 5);
  });

  it("refuses a list with no usable relay, a bad signature, another kind", () => {
    const none = signEvent(
      { kind: 10050, created_at: 1, tags: [["relay", "http://x"]], content: "" },
      person.secretKey,
    );
    expect(codeOf(() => parseInboxRelaysEvent(none))).toBe("bad-tag");
    const good = signEvent(buildInboxRelaysEvent({ relays: ["wss://a.example"] }), person.secretKey);
    expect(codeOf(() => parseInboxRelaysEvent({ ...good, created_at: 2 }))).toBe("bad-signature");
    const other = signEvent(
      { ...buildInboxRelaysEvent({ relays: ["wss://a.example"] }), kind: 10002 },
      person.secretKey,
    );
    expect(codeOf(() => parseInboxRelaysEvent(other))).toBe("wrong-kind");
    expect(codeOf(() => buildInboxRelaysEvent({ relays: [] }))).toBe("bad-tag");
    expect(codeOf(() => buildInboxRelaysEvent({ relays: ["nope"] }))).toBe("bad-relay-url");
  });
});

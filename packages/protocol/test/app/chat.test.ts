import { describe, expect, test } from "vitest";
import {
  buildChatMessage,
  buildDeletion,
  buildReaction,
  InvalidInputError,
  makeRumor,
  parseChatMessage,
  parseDeletion,
  parseReaction,
} from "../../src/app/index.ts";
import { alice, bob } from "./people.ts";

const msg = buildChatMessage({ pubkey: alice.pk, createdAt: 10, text: "hello, group" });

describe("chat messages (kind 9)", () => {
  test("round trip, with and without a reply", () => {
    expect(msg.kind).toBe(9);
    expect(parseChatMessage(msg)).toEqual({ ok: true, value: { text: "hello, group", replyTo: null } });
    const reply = buildChatMessage({
      pubkey: bob.pk,
      createdAt: 11,
      text: "hi!",
      replyTo: { id: msg.id, pubkey: alice.pk },
    });
    expect(reply.tags).toEqual([
      ["e", msg.id, "", "reply"],
      ["p", alice.pk],
    ]);
    expect(parseChatMessage(reply)).toEqual({ ok: true, value: { text: "hi!", replyTo: msg.id } });
  });

  test("reads an unmarked single e tag or a NIP-C7 q tag as the parent", () => {
    const unmarked = makeRumor({
      pubkey: bob.pk,
      createdAt: 1,
      kind: 9,
      tags: [["e", msg.id]],
      content: "x",
    });
    expect(parseChatMessage(unmarked)).toMatchObject({ ok: true, value: { replyTo: msg.id } });
    const quoted = makeRumor({
      pubkey: bob.pk,
      createdAt: 1,
      kind: 9,
      tags: [["q", msg.id, "", alice.pk]],
      content: "x",
    });
    expect(parseChatMessage(quoted)).toMatchObject({ ok: true, value: { replyTo: msg.id } });
  });

  test("refuses empty text, wrong kind and bad reply targets", () => {
    expect(() => buildChatMessage({ pubkey: alice.pk, createdAt: 1, text: "   " })).toThrow(
      InvalidInputError,
    );
    expect(() =>
      buildChatMessage({ pubkey: alice.pk, createdAt: 1, text: "x", replyTo: { id: "nope" } }),
    ).toThrow(/reply target/);
    const empty = makeRumor({ pubkey: alice.pk, createdAt: 1, kind: 9, tags: [], content: " " });
    expect(parseChatMessage(empty)).toEqual({ ok: false, error: "chat message is empty" });
    expect(parseChatMessage({ ...msg, kind: 1 })).toMatchObject({ ok: false });
    const badReply = makeRumor({
      pubkey: alice.pk,
      createdAt: 1,
      kind: 9,
      tags: [["e", "zz", "", "reply"]],
      content: "x",
    });
    expect(parseChatMessage(badReply)).toEqual({ ok: false, error: "reply target is not an event id" });
  });
});

describe("reactions (kind 7) and deletions (kind 5)", () => {
  test("reaction round trip; empty content reads as +", () => {
    const r = buildReaction({
      pubkey: bob.pk,
      createdAt: 12,
      target: { id: msg.id, pubkey: alice.pk },
      emoji: "🎉",
    });
    expect(r.tags).toEqual([
      ["e", msg.id],
      ["p", alice.pk],
      ["k", "9"],
    ]);
    expect(parseReaction(r)).toEqual({ ok: true, value: { target: msg.id, emoji: "🎉" } });
    const plain = makeRumor({ pubkey: bob.pk, createdAt: 1, kind: 7, tags: [["e", msg.id]], content: "" });
    expect(parseReaction(plain)).toEqual({ ok: true, value: { target: msg.id, emoji: "+" } });
    expect(() =>
      buildReaction({ pubkey: bob.pk, createdAt: 1, target: { id: msg.id, pubkey: alice.pk }, emoji: "" }),
    ).toThrow(InvalidInputError);
    const noTarget = makeRumor({ pubkey: bob.pk, createdAt: 1, kind: 7, tags: [], content: "+" });
    expect(parseReaction(noTarget)).toEqual({ ok: false, error: "reaction has no valid `e` tag" });
  });

  test("deletion round trip and refusals", () => {
    const d = buildDeletion({ pubkey: alice.pk, createdAt: 13, targets: [{ id: msg.id, kind: 9 }] });
    expect(d.tags).toEqual([
      ["e", msg.id],
      ["k", "9"],
    ]);
    expect(parseDeletion(d)).toEqual({ ok: true, value: { targets: [msg.id], reason: "" } });
    expect(() => buildDeletion({ pubkey: alice.pk, createdAt: 1, targets: [] })).toThrow(/nothing to delete/);
    const none = makeRumor({ pubkey: alice.pk, createdAt: 1, kind: 5, tags: [], content: "" });
    expect(parseDeletion(none)).toEqual({ ok: false, error: "deletion names no event" });
  });
});

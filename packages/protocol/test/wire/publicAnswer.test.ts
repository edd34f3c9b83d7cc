/**
 * Answers from people without Rally (docs/PROTOCOL.md §20): the web answer to a group's public key
 * and the group's reply to the answer's throwaway key, both gift-wrapped.
 */
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../src/nostr/event.ts";
import { giftWrap } from "../../src/wire/giftWrap.ts";
import {
  openPublicAnswer,
  openPublicReply,
  type PublicAnswerInput,
  wrapPublicAnswer,
  wrapPublicReply,
} from "../../src/wire/publicAnswer.ts";

const group = generateSecretKey();
const groupPub = getPublicKey(group);
const throwaway = generateSecretKey();
const throwawayPub = getPublicKey(throwaway);
const T = 2_000_000_000;
const EVENT = `31923:${groupPub}:${"ab".repeat(16)}`;

const input = (over: Partial<PublicAnswerInput> = {}): PublicAnswerInput => ({
  event: EVENT,
  name: "Ada Lovelace",
  contact: "ada@example.org",
  status: "going",
  guests: 2,
  note: "Bringing cake.\nAnd tea.",
  ...over,
});

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return "no error";
};

describe("public answers", () => {
  it("round-trips an answer: the group's key opens it with every field, the reply key is the throwaway's", () => {
    const wrap = wrapPublicAnswer(input(), throwaway, groupPub, T);
    expect(wrap.kind).toBe(1059);
    expect(wrap.tags).toEqual([["p", groupPub]]);
    expect(JSON.stringify(wrap)).not.toContain("Ada");
    const answer = openPublicAnswer(wrap, group);
    expect(answer).toMatchObject({ ...input(), replyTo: throwawayPub, at: T });
    expect(answer.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps maybe/declined, no contact, an empty note; trims the name", () => {
    for (const status of ["maybe", "declined"] as const) {
      const wrap = wrapPublicAnswer(
        input({ status, guests: 0, contact: null, note: "", name: "  Bo " }),
        throwaway,
        groupPub,
        T,
      );
      expect(openPublicAnswer(wrap, group)).toMatchObject({
        status,
        guests: 0,
        contact: null,
        note: "",
        name: "Bo",
      });
    }
    const empty = wrapPublicAnswer(input({ contact: "  " }), throwaway, groupPub, T);
    expect(openPublicAnswer(empty, group).contact).toBeNull();
  });

  it("does not open with another key", () => {
    const wrap = wrapPublicAnswer(input(), throwaway, groupPub, T);
    expect(code(() => openPublicAnswer(wrap, generateSecretKey()))).toMatch(/^not-for-me:/);
  });

  it("refuses a tampered wrap", () => {
    const wrap = wrapPublicAnswer(input(), throwaway, groupPub, T);
    const content = wrap.content;
    const flipped = content.slice(0, 40) + (content[40] === "A" ? "B" : "A") + content.slice(41);
    expect(code(() => openPublicAnswer({ ...wrap, content: flipped } as NostrEvent, group))).toMatch(
      /^bad-signature:/,
    );
    // Re-signed by someone else with the same content: the outer signature does not match the pubkey.
    const other = { ...wrap, pubkey: throwawayPub } as NostrEvent;
    expect(code(() => openPublicAnswer(other, group))).toMatch(/^bad-signature:/);
  });

  it("refuses bad or oversized fields with plain words", () => {
    const cases: [Partial<PublicAnswerInput>, RegExp][] = [
      [{ name: "" }, /name is missing/],
      [{ name: "   " }, /name is missing/],
      [{ name: "x".repeat(101) }, /name may be at most 100 characters/],
      [{ contact: "c".repeat(201) }, /contact may be at most 200/],
      [{ note: "n".repeat(1001) }, /note may be at most 1000/],
      [{ guests: 21 }, /Guests must be a whole number from 0 to 20/],
      [{ guests: -1 }, /Guests must be/],
      [{ guests: 1.5 }, /Guests must be/],
      [{ status: "maybe", guests: 1 }, /only with someone who is going/],
      [{ status: "declined", guests: 3 }, /only with someone who is going/],
      [{ status: "yes" as never }, /"going", "maybe" or "declined"/],
      [{ name: "Ada\u202eevil" }, /control characters/],
      [{ event: `31925:${groupPub}:x` }, /address of a public calendar event/],
      [{ event: `31923:${groupPub}:` }, /no usable identifier/],
    ];
    for (const [over, message] of cases) {
      expect(code(() => wrapPublicAnswer(input(over), throwaway, groupPub, T))).toMatch(message);
    }
  });

  it("accepts the limits exactly: 100-char name, 200-char contact, 1000-char note, 20 guests", () => {
    const wrap = wrapPublicAnswer(
      input({ name: "é".repeat(100), contact: "c".repeat(200), note: "n".repeat(1000), guests: 20 }),
      throwaway,
      groupPub,
      T,
    );
    expect(openPublicAnswer(wrap, group).name).toBe("é".repeat(100));
  });

  it("refuses an answer to another group's event", () => {
    const other = getPublicKey(generateSecretKey());
    expect(code(() => wrapPublicAnswer(input(), throwaway, other, T))).toMatch(/keys differ/);
  });

  it("refuses a wrap whose answer breaks the rules even when another client made it", () => {
    const wrapWith = (tags: string[][], kind = 31925) =>
      giftWrap({
        kind,
        content: "",
        tags,
        now: T,
        senderSecretKey: throwaway,
        recipientPubkey: groupPub,
        what: "answer",
      });
    const base = [
      ["a", EVENT],
      ["d", EVENT],
      ["status", "tentative"],
      ["rally_guests", "4"],
      ["rally_name", "Ada"],
    ];
    expect(code(() => openPublicAnswer(wrapWith(base), group))).toMatch(/only with someone who is going/);
    expect(code(() => openPublicAnswer(wrapWith(base.filter((t) => t[0] !== "rally_name")), group))).toMatch(
      /exactly one "rally_name"/,
    );
    expect(code(() => openPublicAnswer(wrapWith(base, 9), group))).toMatch(/^wrong-kind:/);
    const foreign = `31923:${getPublicKey(generateSecretKey())}:x`;
    const other = base.map((t) => (t[0] === "a" || t[0] === "d" ? [t[0], foreign] : t));
    expect(
      code(() =>
        openPublicAnswer(wrapWith(other.map((t) => (t[0] === "status" ? ["status", "accepted"] : t))), group),
      ),
    ).toMatch(/^not-for-me:/);
  });
});

describe("the group's reply", () => {
  const answer = openPublicAnswer(wrapPublicAnswer(input(), throwaway, groupPub, T), group);

  it("carries the place to the throwaway key when approved", () => {
    const wrap = wrapPublicReply(
      { answer: answer.id, event: EVENT, status: "approved", place: "12 Quay St", message: "See you!" },
      group,
      answer.replyTo,
      T,
    );
    expect(wrap.tags).toEqual([["p", throwawayPub]]);
    expect(openPublicReply(wrap, throwaway)).toEqual({
      answer: answer.id,
      event: EVENT,
      status: "approved",
      place: "12 Quay St",
      message: "See you!",
      from: groupPub,
      at: T,
    });
    expect(code(() => openPublicReply(wrap, generateSecretKey()))).toMatch(/^not-for-me:/);
  });

  it("never carries a place when refused", () => {
    const refused = {
      answer: answer.id,
      event: EVENT,
      status: "refused" as const,
      place: null,
      message: "Full.",
    };
    expect(openPublicReply(wrapPublicReply(refused, group, answer.replyTo, T), throwaway).place).toBeNull();
    expect(
      code(() => wrapPublicReply({ ...refused, place: "12 Quay St" }, group, answer.replyTo, T)),
    ).toMatch(/refused answer is never told the place/);
  });

  it("is refused when sealed by anyone but the event's group", () => {
    const stranger = generateSecretKey();
    expect(
      code(() =>
        wrapPublicReply(
          { answer: answer.id, event: EVENT, status: "approved", place: "x", message: "" },
          stranger,
          answer.replyTo,
          T,
        ),
      ),
    ).toMatch(/keys differ/);
    const forged = giftWrap({
      kind: 1930,
      content: "",
      tags: [
        ["a", EVENT],
        ["e", answer.id],
        ["rally_status", "approved"],
        ["location", "a trap"],
      ],
      now: T,
      senderSecretKey: stranger,
      recipientPubkey: throwawayPub,
      what: "reply",
    });
    expect(code(() => openPublicReply(forged, throwaway))).toMatch(/^sender-mismatch:/);
  });

  it("refuses a bad answer id or status", () => {
    const ok = { answer: answer.id, event: EVENT, status: "approved" as const, place: null, message: "" };
    expect(code(() => wrapPublicReply({ ...ok, answer: "zz" }, group, throwawayPub, T))).toMatch(
      /answer's id/,
    );
    expect(code(() => wrapPublicReply({ ...ok, status: "maybe" as never }, group, throwawayPub, T))).toMatch(
      /"approved" or "refused"/,
    );
    expect(code(() => wrapPublicReply({ ...ok, message: "m".repeat(1001) }, group, throwawayPub, T))).toMatch(
      /at most 1000/,
    );
  });
});

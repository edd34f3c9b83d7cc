/**
 * Answers from people without Rally (docs/PROTOCOL.md §20): the web answer to a group's public key
 * and the group's reply to the answer's throwaway key, both gift-wrapped.
 */
import { getPow } from "nostr-tools/nip13";
import { generateSecretKey, getPublicKey, verifyEvent } from "nostr-tools/pure";
import { beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../src/nostr/event.ts";
import { giftWrap, giftWrapWithWork } from "../../src/wire/giftWrap.ts";
import {
  answerWorkProblem,
  openPublicAnswer,
  openPublicReply,
  PUBLIC_ANSWER_POW,
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

const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "no error",
    (e) => `${(e as { code?: string }).code}: ${(e as Error).message}`,
  );

describe("public answers", { timeout: 120_000 }, () => {
  it("round-trips an answer: the group's key opens it with every field, the reply key is the throwaway's", async () => {
    const wrap = await wrapPublicAnswer(input(), throwaway, groupPub, T);
    expect(wrap.kind).toBe(1059);
    expect(wrap.tags[0]).toEqual(["p", groupPub]);
    expect(JSON.stringify(wrap)).not.toContain("Ada");
    const answer = openPublicAnswer(wrap, group);
    expect(answer).toMatchObject({ ...input(), replyTo: throwawayPub, at: T });
    expect(answer.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps maybe/declined, no contact, an empty note; trims the name", async () => {
    for (const status of ["maybe", "declined"] as const) {
      const wrap = await wrapPublicAnswer(
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
    const empty = await wrapPublicAnswer(input({ contact: "  " }), throwaway, groupPub, T);
    expect(openPublicAnswer(empty, group).contact).toBeNull();
  });

  it("does not open with another key", async () => {
    const wrap = await wrapPublicAnswer(input(), throwaway, groupPub, T);
    expect(code(() => openPublicAnswer(wrap, generateSecretKey()))).toMatch(/^not-for-me:/);
  });

  it("refuses a tampered wrap", async () => {
    const wrap = await wrapPublicAnswer(input(), throwaway, groupPub, T);
    const content = wrap.content;
    const flipped = content.slice(0, 40) + (content[40] === "A" ? "B" : "A") + content.slice(41);
    expect(code(() => openPublicAnswer({ ...wrap, content: flipped } as NostrEvent, group))).toMatch(
      /^bad-signature:/,
    );
    // Re-signed by someone else with the same content: the outer signature does not match the pubkey.
    const other = { ...wrap, pubkey: throwawayPub } as NostrEvent;
    expect(code(() => openPublicAnswer(other, group))).toMatch(/^bad-signature:/);
  });

  it("refuses bad or oversized fields with plain words", async () => {
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
      expect(await codeOf(wrapPublicAnswer(input(over), throwaway, groupPub, T))).toMatch(message);
    }
  });

  it("accepts the limits exactly: 100-char name, 200-char contact, 1000-char note, 20 guests", async () => {
    const wrap = await wrapPublicAnswer(
      input({ name: "é".repeat(100), contact: "c".repeat(200), note: "n".repeat(1000), guests: 20 }),
      throwaway,
      groupPub,
      T,
    );
    expect(openPublicAnswer(wrap, group).name).toBe("é".repeat(100));
  });

  it("refuses an answer to another group's event", async () => {
    const other = getPublicKey(generateSecretKey());
    expect(await codeOf(wrapPublicAnswer(input(), throwaway, other, T))).toMatch(/keys differ/);
  });

  it("refuses a wrap whose answer breaks the rules even when another client made it", async () => {
    const wrapWith = (tags: string[][], kind = 31925) =>
      giftWrapWithWork(
        {
          kind,
          content: "",
          tags,
          now: T,
          senderSecretKey: throwaway,
          recipientPubkey: groupPub,
          what: "answer",
        },
        PUBLIC_ANSWER_POW,
      );
    const base = [
      ["a", EVENT],
      ["d", EVENT],
      ["status", "tentative"],
      ["rally_guests", "4"],
      ["rally_name", "Ada"],
    ];
    const opened = async (tags: string[][], kind?: number) => {
      const wrap = await wrapWith(tags, kind);
      return code(() => openPublicAnswer(wrap, group));
    };
    expect(await opened(base)).toMatch(/only with someone who is going/);
    expect(await opened(base.filter((t) => t[0] !== "rally_name"))).toMatch(/exactly one "rally_name"/);
    expect(await opened(base, 9)).toMatch(/^wrong-kind:/);
    const foreign = `31923:${getPublicKey(generateSecretKey())}:x`;
    const other = base.map((t) => (t[0] === "a" || t[0] === "d" ? [t[0], foreign] : t));
    expect(await opened(other.map((t) => (t[0] === "status" ? ["status", "accepted"] : t)))).toMatch(
      /^not-for-me:/,
    );
  });
});

describe("proof of work on an answer's wrap (NIP-13)", { timeout: 60_000 }, () => {
  it("an answer's wrap carries a nonce tag committing to PUBLIC_ANSWER_POW, and its id has that many zero bits", async () => {
    const wrap = await wrapPublicAnswer(input(), throwaway, groupPub, T);
    expect(wrap.tags).toHaveLength(2);
    expect(wrap.tags[0]).toEqual(["p", groupPub]);
    expect(wrap.tags[1]?.[0]).toBe("nonce");
    expect(wrap.tags[1]?.[2]).toBe(String(PUBLIC_ANSWER_POW));
    // nostr-tools' own count of the id's leading zero bits, and its own check of id and signature.
    expect(getPow(wrap.id)).toBeGreaterThanOrEqual(PUBLIC_ANSWER_POW);
    expect(verifyEvent(structuredClone(wrap))).toBe(true);
    expect(answerWorkProblem(wrap)).toBeUndefined();
  });

  it("a wrap without the work is refused before it is opened, in plain words", async () => {
    const cheap = await wrapPublicAnswer(input(), throwaway, groupPub, T, { difficulty: 0 });
    expect(cheap.tags[1]).toEqual(["nonce", "0", "0"]);
    // The wrong key: were it opened, it would say "not-for-me"; the work is looked at first.
    expect(code(() => openPublicAnswer(cheap, generateSecretKey()))).toMatch(
      /^too-little-work: The answer's proof of work is too small/,
    );
    const plain = giftWrap({
      kind: 31925,
      content: "",
      tags: [],
      now: T,
      senderSecretKey: throwaway,
      recipientPubkey: groupPub,
      what: "answer",
    });
    expect(answerWorkProblem(plain)).toMatch(/too small|no target/);
  });

  it("an id lucky enough still needs a nonce tag that aims at the difficulty", () => {
    const id = `${"0".repeat(8)}${"f".repeat(56)}`; // 32 zero bits
    const p = ["p", groupPub];
    expect(answerWorkProblem({ id, tags: [p, ["nonce", "7", String(PUBLIC_ANSWER_POW)]] })).toBeUndefined();
    expect(answerWorkProblem({ id, tags: [p, ["nonce", "7", String(PUBLIC_ANSWER_POW - 1)]] })).toMatch(
      /aims at \d+ bits/,
    );
    expect(answerWorkProblem({ id, tags: [p] })).toMatch(/no target/);
    expect(answerWorkProblem({ id, tags: [p, ["nonce", "7", "20"], ["nonce", "8", "20"]] })).toMatch(
      /no target/,
    );
    expect(answerWorkProblem({ id, tags: [p, ["nonce", "x", "20"]] })).toMatch(/no target/);
    expect(answerWorkProblem({ id: "0".repeat(63), tags: [p, ["nonce", "1", "20"]] })).toMatch(
      /has 0 leading/,
    );
  });
});

describe("the group's reply", () => {
  let answer: ReturnType<typeof openPublicAnswer>;
  beforeAll(async () => {
    answer = openPublicAnswer(await wrapPublicAnswer(input(), throwaway, groupPub, T), group);
  }, 60_000);

  it("carries the place to the throwaway key when approved", async () => {
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

  it("never carries a place when refused", async () => {
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

  it("is refused when sealed by anyone but the event's group", async () => {
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

  it("refuses a bad answer id or status", async () => {
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

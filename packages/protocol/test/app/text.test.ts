/**
 * Text limits in one unit (characters = Unicode code points) and blank-looking text refused, from
 * the helper to every builder and to the reducer, which drops a hostile member's blank message.
 */
import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildChatMessage,
  buildPoll,
  charCount,
  clipChars,
  clipUtf8,
  isBlank,
  MAX_CHAT_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  MAX_LOCATION_LENGTH,
  MAX_OPTION_LABEL,
  MAX_QUESTION_LENGTH,
  MAX_TITLE_LENGTH,
  makeRumor,
  parseCalendarEvent,
  parseChatMessage,
  parsePoll,
  reduceGroup,
  TextInputError,
  utf8Length,
} from "../../src/app/index.ts";
import { encodeInnerRumor, MAX_INNER_RUMOR_BYTES } from "../../src/wire/index.ts";
import { alice, bob, from } from "./people.ts";

const SMILE = "\u{1f600}"; // one code point, 2 UTF-16 units, 4 bytes of UTF-8
const FAMILY = "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}"; // 5 code points shown as one emoji

/** Text people cannot see, one kind per entry. */
const BLANKS: Record<string, string> = {
  "spaces, tabs and line breaks": "  \t\n\r\n ",
  "no-break and ideographic spaces (Zs)": "\u00a0\u3000\u2003",
  "line and paragraph separators (Zl, Zp)": "\u2028\u2029",
  "zero-width space and joiners": "\u200b\u200c\u200d",
  "word joiner and byte order mark": "\u2060\ufeff",
  "bidi marks, embeddings and isolates": "\u200e\u200f\u202a\u202e\u2066\u2069\u061c",
  "soft hyphen and other Cf": "\u00ad\u180e",
  "tag characters": "\u{e0020}\u{e0041}\u{e007f}",
  "variation selectors and Hangul fillers": "\ufe0f\u3164\u115f",
  "a mix of all": " \u200b\u00a0\u2060\u202e\ufeff\u3000 ",
};

const chat = (text: string) => buildChatMessage({ pubkey: alice.pk, createdAt: 10, text });
const rawChat = (content: string) => makeRumor({ pubkey: bob.pk, createdAt: 11, kind: 9, tags: [], content });

describe("counting characters", () => {
  test("counts code points: an emoji is one, a family of three joined by ZWJ is five", () => {
    expect(charCount("")).toBe(0);
    expect(charCount("abc")).toBe(3);
    expect(charCount(SMILE)).toBe(1);
    expect(SMILE.length).toBe(2); // what the old limit counted
    expect(charCount(FAMILY)).toBe(5);
    expect(charCount("e\u0301")).toBe(2);
    expect(charCount("\ud800")).toBe(1); // a lone surrogate
  });

  test("clipping never cuts a code point in half", () => {
    expect(clipChars(SMILE.repeat(5), 3)).toBe(SMILE.repeat(3));
    expect(clipChars("abc", 10)).toBe("abc");
    expect(clipUtf8(`ab${SMILE}`, 5)).toBe("ab");
    expect(clipUtf8(`ab${SMILE}`, 6)).toBe(`ab${SMILE}`);
    expect(clipUtf8("é".repeat(60), 100)).toBe("é".repeat(50));
    expect(utf8Length(clipUtf8("é".repeat(60), 101))).toBe(100);
  });

  test.each(Object.entries(BLANKS))("blank: %s", (_, text) => {
    expect(isBlank(text)).toBe(true);
    expect(isBlank(`${text}x${text}`)).toBe(false);
  });

  test("visible text is not blank", () => {
    for (const t of ["a", ".", SMILE, FAMILY, "\u0301", "\u2764\ufe0f", "ـ"]) expect(isBlank(t)).toBe(false);
    expect(isBlank("")).toBe(true);
  });
});

describe("chat message limits", () => {
  test(`exactly ${MAX_CHAT_LENGTH} emoji pass; one more is refused with both numbers`, () => {
    const atLimit = chat(SMILE.repeat(MAX_CHAT_LENGTH));
    expect(parseChatMessage(atLimit)).toMatchObject({ ok: true });
    expect(() => chat(SMILE.repeat(MAX_CHAT_LENGTH + 1))).toThrow(
      `The message is too long: it has ${MAX_CHAT_LENGTH + 1} characters, and the most is ${MAX_CHAT_LENGTH}.`,
    );
    expect(() => chat("a".repeat(MAX_CHAT_LENGTH + 1))).toThrow(TextInputError);
    expect(() => chat("a".repeat(MAX_CHAT_LENGTH))).not.toThrow();
  });

  test("an emoji family counts as its code points, and the error says why", () => {
    const families = Math.floor(MAX_CHAT_LENGTH / 5);
    expect(() => chat(FAMILY.repeat(families))).not.toThrow();
    expect(() => chat(FAMILY.repeat(families + 1))).toThrow(
      /it has 10005 characters, and the most is 10000\. Some emoji and accented letters are made of several characters/,
    );
  });

  test("any message within the limit fits the 64 KiB inner-message cap, even one JSON escapes at 6 bytes a character", () => {
    const reply = { id: "a".repeat(64), pubkey: bob.pk };
    for (const unit of [SMILE, "\u0001", '"', "\n", "\ud800"]) {
      const text = `x${unit.repeat(MAX_CHAT_LENGTH - 1)}`;
      const r = buildChatMessage({ pubkey: alice.pk, createdAt: 1, text, replyTo: reply });
      expect(encodeInnerRumor(r as Parameters<typeof encodeInnerRumor>[0]).length).toBeLessThanOrEqual(
        MAX_INNER_RUMOR_BYTES,
      );
    }
  });

  test.each(Object.entries(BLANKS))("a message of %s is refused as empty", (_, text) => {
    expect(() => chat(text)).toThrow("The message is empty: it holds only spaces or invisible characters.");
  });

  test("an empty message says it is empty", () => {
    expect(() => chat("")).toThrow(/^The message is empty\.$/);
  });

  test("a blank-looking message from a hostile member is dropped by the reducer, not shown empty", () => {
    const hostile = Object.values(BLANKS).map(rawChat);
    const fine = rawChat("hello");
    const tooLong = rawChat("x".repeat(MAX_CHAT_LENGTH + 1));
    const state = reduceGroup(
      [...hostile, fine, tooLong].map((r) => from(r)),
      { admins: [alice.pk], members: [alice.pk, bob.pk] },
    );
    expect(state.messages.map((m) => m.id)).toEqual([fine.id]);
    for (const r of hostile)
      expect(parseChatMessage(r)).toEqual({ ok: false, error: "chat message is empty" });
    expect(state.ignored.map((i) => i.id).sort()).toEqual([...hostile, tooLong].map((r) => r.id).sort());
  });

  test("a received message may hold as many emoji as one sent: the receiver counts the same way", () => {
    expect(parseChatMessage(rawChat(SMILE.repeat(MAX_CHAT_LENGTH)))).toMatchObject({ ok: true });
    expect(parseChatMessage(rawChat(SMILE.repeat(MAX_CHAT_LENGTH + 1)))).toEqual({
      ok: false,
      error: "chat message is too long",
    });
  });
});

describe("titles, places, descriptions, poll questions and options", () => {
  const time = { allDay: false as const, start: 2_000_000_000, end: null, tz: null, endTz: null };
  const event = (fields: { title: string; location?: string; description?: string }) =>
    buildCalendarEvent({ pubkey: alice.pk, createdAt: 1, d: "ev", time, ...fields });
  const poll = (question: string, options: string[] = ["yes", "no"]) =>
    buildPoll({ pubkey: alice.pk, createdAt: 1, question, options });

  test("each limit counts characters: at the limit in emoji passes, one more names both numbers", () => {
    expect(() => event({ title: SMILE.repeat(MAX_TITLE_LENGTH) })).not.toThrow();
    expect(() => event({ title: SMILE.repeat(MAX_TITLE_LENGTH + 1) })).toThrow(
      `The title is too long: it has ${MAX_TITLE_LENGTH + 1} characters, and the most is ${MAX_TITLE_LENGTH}.`,
    );
    expect(() => event({ title: "t", location: SMILE.repeat(MAX_LOCATION_LENGTH) })).not.toThrow();
    expect(() => event({ title: "t", location: SMILE.repeat(MAX_LOCATION_LENGTH + 1) })).toThrow(
      `The place is too long: it has ${MAX_LOCATION_LENGTH + 1} characters`,
    );
    expect(() => event({ title: "t", description: SMILE.repeat(MAX_DESCRIPTION_LENGTH) })).not.toThrow();
    expect(() => event({ title: "t", description: SMILE.repeat(MAX_DESCRIPTION_LENGTH + 1) })).toThrow(
      `The description is too long: it has ${MAX_DESCRIPTION_LENGTH + 1} characters`,
    );
    expect(() => poll(SMILE.repeat(MAX_QUESTION_LENGTH))).not.toThrow();
    expect(() => poll(SMILE.repeat(MAX_QUESTION_LENGTH + 1))).toThrow(
      `The question is too long: it has ${MAX_QUESTION_LENGTH + 1} characters, and the most is ${MAX_QUESTION_LENGTH}.`,
    );
    expect(() => poll("q", ["a", SMILE.repeat(MAX_OPTION_LABEL)])).not.toThrow();
    expect(() => poll("q", ["a", SMILE.repeat(MAX_OPTION_LABEL + 1)])).toThrow(
      `Option 2 is too long: it has ${MAX_OPTION_LABEL + 1} characters, and the most is ${MAX_OPTION_LABEL}.`,
    );
  });

  test("blank-looking titles, questions and options are refused when written and when read", () => {
    const blank = BLANKS["a mix of all"] as string;
    expect(() => event({ title: blank })).toThrow("The title is empty");
    expect(() => poll(blank)).toThrow("The question is empty");
    expect(() => poll("q", ["a", blank])).toThrow("Option 2 is empty");
    // A blank description or place is allowed: they may be empty.
    expect(() => event({ title: "t", description: blank, location: blank })).not.toThrow();

    const ok = event({ title: "Picnic" });
    const hostileTitle = { ...ok, tags: ok.tags.map((t) => (t[0] === "title" ? ["title", blank] : t)) };
    expect(parseCalendarEvent(hostileTitle)).toEqual({ ok: false, error: "calendar event has no title" });
    const p = poll("Which day?");
    expect(parsePoll({ ...p, content: blank })).toEqual({ ok: false, error: "poll has no question" });
    const hostileOption = {
      ...p,
      tags: p.tags.map((t) => (t[0] === "option" && t[1] === "1" ? ["option", "1", blank] : t)),
    };
    expect(parsePoll(hostileOption)).toEqual({ ok: false, error: "poll option has no label" });
  });
});

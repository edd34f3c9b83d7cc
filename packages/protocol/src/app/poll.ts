/**
 * Polls as NIP-88 inner messages: kind 1068 (content = the question, `["option", id, label]` tags,
 * `polltype` singlechoice | multiplechoice, optional `endsAt`) and kind 1018 responses (`e` = the
 * poll's id, one `response` tag per chosen option). Rally adds `["rally_dates", "true"]` for a
 * "pick a date" poll, whose option labels are ISO 8601 dates (YYYY-MM-DD) or date-times.
 */

import { KIND_POLL, KIND_POLL_RESPONSE, TAG_DATES } from "./kinds.ts";
import {
  fail,
  InvalidInputError,
  isHex64,
  makeRumor,
  ok,
  type Parsed,
  type Rumor,
  tagsNamed,
  tagValue,
} from "./rumor.ts";
import { charCount, checkText, isBlank } from "./text.ts";
import { parseIso } from "./time.ts";

export const MAX_POLL_OPTIONS = 64;
/** Limits in characters (code points, text.ts). */
export const MAX_OPTION_LABEL = 256;
export const MAX_QUESTION_LENGTH = 2048;

export interface PollOption {
  id: string;
  label: string;
}

export interface PollFields {
  question: string;
  options: PollOption[];
  multiple: boolean;
  dates: boolean;
  /** Unix seconds after which answers are not counted; null when open-ended. */
  endsAt: number | null;
}

export interface PollResponseFields {
  poll: string;
  /** Chosen option ids in the order written, without repeats. */
  choices: string[];
}

const OPTION_ID = /^[A-Za-z0-9_-]{1,32}$/;

function isDateLabel(label: string): boolean {
  try {
    parseIso(label);
    return true;
  } catch {
    return false;
  }
}

export function buildPoll(input: {
  pubkey: string;
  createdAt: number;
  question: string;
  options: string[] | PollOption[];
  multiple?: boolean;
  dates?: boolean;
  endsAt?: number | null;
}): Rumor {
  const question = checkText("question", input.question.trim(), {
    what: "The question",
    max: MAX_QUESTION_LENGTH,
  });
  const options: PollOption[] = input.options.map((o, i) =>
    typeof o === "string" ? { id: String(i), label: o.trim() } : { id: o.id, label: o.label.trim() },
  );
  if (options.length < 2) throw new InvalidInputError("options", "a poll needs at least two options");
  if (options.length > MAX_POLL_OPTIONS)
    throw new InvalidInputError("options", `at most ${MAX_POLL_OPTIONS} options`);
  const ids = new Set<string>();
  for (const o of options) {
    if (!OPTION_ID.test(o.id)) throw new InvalidInputError("options", `bad option id "${o.id}"`);
    if (ids.has(o.id)) throw new InvalidInputError("options", `option id "${o.id}" is used twice`);
    ids.add(o.id);
    checkText("options", o.label, { what: `Option ${ids.size}`, max: MAX_OPTION_LABEL });
    if (input.dates && !isDateLabel(o.label)) {
      throw new InvalidInputError("options", `"${o.label}" is not a date such as 2025-06-01`);
    }
  }
  const tags: string[][] = options.map((o) => ["option", o.id, o.label]);
  tags.push(["polltype", input.multiple ? "multiplechoice" : "singlechoice"]);
  if (input.endsAt !== undefined && input.endsAt !== null) {
    if (!Number.isSafeInteger(input.endsAt) || input.endsAt < 0)
      throw new InvalidInputError("endsAt", "bad end time");
    tags.push(["endsAt", String(input.endsAt)]);
  }
  if (input.dates) tags.push([TAG_DATES, "true"]);
  return makeRumor({
    pubkey: input.pubkey,
    createdAt: input.createdAt,
    kind: KIND_POLL,
    tags,
    content: question,
  });
}

export function parsePoll(rumor: Rumor): Parsed<PollFields> {
  if (rumor.kind !== KIND_POLL) return fail(`expected kind ${KIND_POLL}, got ${rumor.kind}`);
  const question = rumor.content.trim();
  if (isBlank(question)) return fail("poll has no question");
  if (charCount(question) > MAX_QUESTION_LENGTH) return fail("poll question is too long");
  const options: PollOption[] = [];
  const ids = new Set<string>();
  for (const t of tagsNamed(rumor, "option")) {
    const [, id, label] = t;
    if (id === undefined || !OPTION_ID.test(id)) return fail("poll option has a bad id");
    if (label === undefined || isBlank(label) || charCount(label) > MAX_OPTION_LABEL) {
      return fail("poll option has no label");
    }
    if (ids.has(id)) return fail(`poll option id "${id}" appears twice`);
    ids.add(id);
    options.push({ id, label: label.trim() });
  }
  if (options.length < 2) return fail("poll has fewer than two options");
  if (options.length > MAX_POLL_OPTIONS) return fail("poll has too many options");
  const polltype = tagValue(rumor, "polltype") ?? "singlechoice";
  if (polltype !== "singlechoice" && polltype !== "multiplechoice") return fail("unknown polltype");
  const endsAtText = tagValue(rumor, "endsAt");
  if (endsAtText !== undefined && !/^\d{1,15}$/.test(endsAtText))
    return fail("poll endsAt is not Unix seconds");
  const dates = tagValue(rumor, TAG_DATES) === "true";
  if (dates && !options.every((o) => isDateLabel(o.label)))
    return fail("a date poll has an option that is not a date");
  return ok({
    question,
    options,
    multiple: polltype === "multiplechoice",
    dates,
    endsAt: endsAtText === undefined ? null : Number(endsAtText),
  });
}

export function buildPollResponse(input: {
  pubkey: string;
  createdAt: number;
  poll: string;
  choices: string[];
}): Rumor {
  if (!isHex64(input.poll)) throw new InvalidInputError("poll", "poll id is not an event id");
  const choices = [...new Set(input.choices)];
  for (const c of choices)
    if (!OPTION_ID.test(c)) throw new InvalidInputError("choices", `bad option id "${c}"`);
  return makeRumor({
    pubkey: input.pubkey,
    createdAt: input.createdAt,
    kind: KIND_POLL_RESPONSE,
    tags: [["e", input.poll], ...choices.map((c) => ["response", c])],
    content: "",
  });
}

export function parsePollResponse(rumor: Rumor): Parsed<PollResponseFields> {
  if (rumor.kind !== KIND_POLL_RESPONSE)
    return fail(`expected kind ${KIND_POLL_RESPONSE}, got ${rumor.kind}`);
  const poll = tagValue(rumor, "e");
  if (!isHex64(poll)) return fail("poll response has no valid `e` tag");
  const choices: string[] = [];
  for (const t of tagsNamed(rumor, "response")) {
    const id = t[1];
    if (id === undefined || !OPTION_ID.test(id)) return fail("poll response names a bad option id");
    if (!choices.includes(id)) choices.push(id);
  }
  if (choices.length > MAX_POLL_OPTIONS) return fail("poll response names too many options");
  return ok({ poll, choices });
}

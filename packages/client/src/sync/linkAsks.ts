/**
 * Which request a device link answers once its person types a code (`DeviceLinks.confirm`). The
 * code is made from the link's key and the requesting device's key (`deviceLinkCode`), so only the
 * person's own new device shows it — unless someone who holds the link read that device's request
 * and tried keys until one gave the same code. Two requests with one code therefore mean the link
 * was seen: neither is answered.
 *
 * Runs anywhere (pure).
 */

/** A request to be linked, waiting for its person to confirm its code. */
export interface Ask {
  /** The requesting device's one-time key (hex): the answer is sealed to it. */
  requester: string;
  name: string;
  /** "482 915". */
  code: string;
}

export type AskChoice<T> =
  | { kind: "one"; match: T }
  | { kind: "none" }
  /** Two or more requests with the code: the link was seen by someone else. */
  | { kind: "twice"; matches: T[] };

/** The requests (of every open link) whose code is `code`, and what that means. */
export function pickAsk<T extends { ask: Ask }>(candidates: readonly T[], code: string): AskChoice<T> {
  const matches = candidates.filter((c) => c.ask.code === code);
  if (matches.length === 0) return { kind: "none" };
  // One device asking twice is still one device; dedupe by its key before counting.
  const requesters = new Set(matches.map((m) => m.ask.requester));
  if (requesters.size > 1) return { kind: "twice", matches };
  return { kind: "one", match: matches[0] as T };
}

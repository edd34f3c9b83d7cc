/**
 * The check of an answer sealed in the reader's browser (docs/PROTOCOL.md §20): the page's script
 * makes the throwaway key, wraps the answer to the group's public key and posts only the signed
 * gift wrap. This node cannot open it (only the group's key can), so it checks what it can see and
 * nothing else: a kind 1059 event no bigger than an answer from the form can be, addressed by one
 * `p` tag to the key of the event answered, with one NIP-13 `nonce` tag and an id showing the
 * proof of work an answer needs (`PUBLIC_ANSWER_POW`), nothing more, and a valid id and signature.
 *
 * Runs in: Node (`rally serve`); pure.
 */
import { answerWorkProblem, type NostrEvent, parseEvent, verifyEventSignature } from "@rally/client";

/**
 * The largest wrap an answer from the form makes is about 16 KiB of JSON (every field at its
 * limit in 4-byte characters, the longest event address); more than this is not an answer.
 */
export const MAX_WRAP_BYTES = 24 * 1024;

const KIND_GIFT_WRAP = 1059;

export type WrapCheck = { ok: true; wrap: NostrEvent } | { ok: false; problem: string };

/** Checks the posted `wrap` (JSON text) of an answer to the event signed by `groupPubkey`. */
export function checkAnswerWrap(text: string, groupPubkey: string): WrapCheck {
  const refuse = (problem: string): WrapCheck => ({ ok: false, problem });
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_WRAP_BYTES)
    return refuse(
      `The sealed answer is ${bytes} bytes; an answer from this form is never more than ${MAX_WRAP_BYTES}.`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse("The sealed answer is not a Nostr event (it is not JSON).");
  }
  const parsed = parseEvent(value);
  if (!parsed.ok) return refuse(`The sealed answer is not a Nostr event: ${parsed.error}.`);
  const wrap = parsed.value;
  if (wrap.kind !== KIND_GIFT_WRAP)
    return refuse(`The sealed answer must be a gift wrap (kind ${KIND_GIFT_WRAP}), not kind ${wrap.kind}.`);
  const recipients = wrap.tags.filter((t) => t[0] === "p");
  const nonces = wrap.tags.filter((t) => t[0] === "nonce");
  if (recipients.length !== 1 || nonces.length !== 1 || wrap.tags.length !== 2)
    return refuse(
      "The sealed answer must carry exactly two tags: the p tag of the group's public key and the nonce tag of its proof of work.",
    );
  if (recipients[0]![1] !== groupPubkey)
    return refuse("The sealed answer is addressed to another key than the group whose event this is.");
  const work = answerWorkProblem(wrap);
  if (work !== undefined) return refuse(work);
  if (!verifyEventSignature(wrap))
    return refuse("The sealed answer's id or signature is not valid; it may have been changed on the way.");
  return { ok: true, wrap };
}

/**
 * Sealed inner messages (Rally kind 1925): a rumor readable by a few members only, for example an
 * RSVP to an event whose attendee list is for its hosts. The sealed rumor still travels inside the
 * group (so the relay sees nothing new), but its content is the inner rumor encrypted with NIP-44 v2
 * to each recipient separately:
 *
 *   content = JSON { "<recipient pubkey hex>": "<NIP-44 payload>", … }
 *   tags    = [["k", "<inner kind>"], ["a", "<event address>"]?]
 *
 * The NIP-44 conversation key is ECDH(sender, recipient), so only a listed recipient (and the sender,
 * who always lists itself so its other devices can read its answer) can decrypt. Members who are
 * not recipients learn that the sender answered that event, and nothing of the answer. The inner
 * rumor's pubkey must equal the seal's pubkey, which must equal the MLS sender: nobody can seal an
 * answer in someone else's name or replay another member's seal as their own.
 */

import { utf8ToBytes } from "@noble/hashes/utils.js";
import * as nip44 from "nostr-tools/nip44";
import { getPublicKey } from "nostr-tools/pure";
import { KIND_SEALED } from "./kinds.ts";
import {
  fail,
  findTag,
  InvalidInputError,
  isHex64,
  makeRumor,
  ok,
  type Parsed,
  parseRumor,
  type Rumor,
  type RumorEntry,
  tagValue,
} from "./rumor.ts";

export const MAX_SEAL_RECIPIENTS = 40;
/** NIP-44 v2 carries at most 65,535 bytes of plaintext. */
const MAX_NIP44_PLAINTEXT = 65535;

export interface SealedFields {
  /** Kind of the inner rumor, as the sender declared it. */
  innerKind: number;
  /** `a` tag (the calendar event answered), if any: lets non-recipients see that an answer exists. */
  address: string | null;
  recipients: string[];
}

/**
 * Encrypts `inner` to each recipient and wraps it in a kind 1925 rumor authored by the sender.
 * `nonce` is for test vectors only; leave it out so every payload gets a fresh random nonce.
 */
export function sealRumor(input: {
  inner: Rumor;
  senderSecretKey: Uint8Array;
  recipients: string[];
  createdAt: number;
  address?: string;
}): Rumor {
  const sender = getPublicKey(input.senderSecretKey);
  if (input.inner.pubkey !== sender) {
    throw new InvalidInputError("inner", "the sealed rumor must be written by the sender");
  }
  const recipients = [...new Set([...input.recipients, sender])].sort();
  if (!recipients.every(isHex64)) throw new InvalidInputError("recipients", "a recipient is not a pubkey");
  if (recipients.length > MAX_SEAL_RECIPIENTS) {
    throw new InvalidInputError("recipients", `at most ${MAX_SEAL_RECIPIENTS} recipients`);
  }
  const plaintext = JSON.stringify(input.inner);
  if (utf8ToBytes(plaintext).length > MAX_NIP44_PLAINTEXT) {
    throw new InvalidInputError("inner", "message too large to seal");
  }
  const payloads: Record<string, string> = {};
  for (const r of recipients) {
    payloads[r] = nip44.encrypt(plaintext, nip44.getConversationKey(input.senderSecretKey, r));
  }
  const tags: string[][] = [["k", String(input.inner.kind)]];
  if (input.address !== undefined) tags.push(["a", input.address]);
  return makeRumor({
    pubkey: sender,
    createdAt: input.createdAt,
    kind: KIND_SEALED,
    tags,
    content: JSON.stringify(payloads),
  });
}

function readPayloads(seal: Rumor): Parsed<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(seal.content);
  } catch {
    return fail("sealed content is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return fail("sealed content is not an object");
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0 || entries.length > MAX_SEAL_RECIPIENTS)
    return fail("sealed content has no or too many recipients");
  for (const [k, v] of entries) {
    if (!isHex64(k) || typeof v !== "string")
      return fail("sealed content maps something other than pubkeys to payloads");
  }
  return ok(parsed as Record<string, string>);
}

/** Reads the public part of a seal (who it is for, what it answers) without decrypting. */
export function parseSealed(seal: Rumor): Parsed<SealedFields> {
  if (seal.kind !== KIND_SEALED) return fail(`expected kind ${KIND_SEALED}, got ${seal.kind}`);
  const k = tagValue(seal, "k");
  if (k === undefined || !/^\d{1,5}$/.test(k)) return fail("seal has no `k` tag");
  const payloads = readPayloads(seal);
  if (!payloads.ok) return payloads;
  return ok({
    innerKind: Number(k),
    address: findTag(seal, "a")?.[1] ?? null,
    recipients: Object.keys(payloads.value).sort(),
  });
}

/**
 * Decrypts a seal with the reader's secret key. Fails with a reason when the reader is not a
 * recipient, the payload was tampered with, or the inner rumor is malformed or in another's name.
 */
export function unsealRumor(seal: Rumor, secretKey: Uint8Array): Parsed<Rumor> {
  return createUnsealer(secretKey)(seal);
}

/**
 * An unsealing function for one reader that remembers the NIP-44 conversation key per sender (one
 * ECDH per sender instead of one per seal: a host opening hundreds of answers pays for each person
 * once). The keys live only in the returned closure; drop it to forget them.
 */
export function createUnsealer(secretKey: Uint8Array): (seal: Rumor) => Parsed<Rumor> {
  const me = getPublicKey(secretKey);
  const conversationKeys = new Map<string, Uint8Array>();
  return (seal) => {
    const header = parseSealed(seal);
    if (!header.ok) return header;
    const payloads = readPayloads(seal);
    if (!payloads.ok) return payloads;
    const payload = payloads.value[me];
    if (payload === undefined) return fail("this sealed message is not addressed to you");
    if (payload.length > 2 * MAX_NIP44_PLAINTEXT) return fail("sealed payload is too large");
    let plaintext: string;
    try {
      let key = conversationKeys.get(seal.pubkey);
      if (key === undefined) {
        key = nip44.getConversationKey(secretKey, seal.pubkey);
        conversationKeys.set(seal.pubkey, key);
      }
      plaintext = nip44.decrypt(payload, key);
    } catch (e) {
      return fail(`sealed payload cannot be decrypted: ${e instanceof Error ? e.message : String(e)}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(plaintext);
    } catch {
      return fail("sealed payload is not JSON");
    }
    const inner = parseRumor(value);
    if (!inner.ok) return fail(`sealed rumor: ${inner.error}`);
    if (inner.value.pubkey !== seal.pubkey) return fail("sealed rumor claims another author");
    if (inner.value.kind !== header.value.innerKind)
      return fail("sealed rumor kind differs from its `k` tag");
    return inner;
  };
}

/**
 * Adds, after each seal this key can open, the inner rumor as an entry from the same sender and
 * epoch, ready for `reduceGroup`. Seals it cannot open pass through unchanged.
 */
export function withUnsealed(entries: Iterable<RumorEntry>, secretKey: Uint8Array): RumorEntry[] {
  const out: RumorEntry[] = [];
  const unseal = createUnsealer(secretKey);
  for (const entry of entries) {
    out.push(entry);
    if (entry.rumor.kind !== KIND_SEALED || entry.rumor.pubkey !== entry.sender) continue;
    const inner = unseal(entry.rumor);
    if (inner.ok) out.push({ ...entry, rumor: inner.value });
  }
  return out;
}

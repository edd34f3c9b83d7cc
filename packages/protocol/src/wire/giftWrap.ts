/**
 * NIP-59 gift wraps as Rally uses them for welcomes and join requests: rumor (unsigned) → seal
 * (kind 13, signed by the sender, NIP-44 to the recipient) → gift wrap (kind 1059, signed by a
 * one-time key, NIP-44 to the recipient, one `p` tag). Wrapping is `nostr-tools/nip59`; opening is
 * done layer by layer here on `nostr-tools/nip44` because nip59's `unwrapEvent` neither checks the
 * outer signature, the `p` tag nor the rumor id, and reports every failure the same way.
 */

import {
  getConversationKey,
  decrypt as nip44Decrypt,
  encrypt as nip44Encrypt,
  v2 as nip44v2,
} from "nostr-tools/nip44";
import { createRumor } from "nostr-tools/nip59";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import type { EventFields, NostrEvent } from "../nostr/event.ts";
import { type MineOptions, mineNonce } from "../nostr/proofOfWork.ts";
import { isValidPubkey } from "../nostr/sign.ts";
import { nowSeconds } from "../nostr/time.ts";
import { base64Length, eventFrameBytes, utf8Encode } from "./bytes.ts";
import { fail, MarmotError } from "./errors.ts";
import { checkRumor, checkSignedEvent, defaultVerify, type Rumor, type VerifyEvent } from "./eventShape.ts";
import { KIND_GIFT_WRAP, KIND_SEAL } from "./kinds.ts";

/** The frame limit Rally keeps every event under (a relay's default maximum message size). */
export const RELAY_FRAME_LIMIT = 262_144;

export interface GiftWrapInput {
  kind: number;
  content: string;
  tags: string[][];
  /**
   * The rumor's (canonical) time; the seal and wrap get NIP-59's randomised past times counted
   * from it, so a sender that stamps with the relays' time (a device whose clock is off) gives
   * wraps the relays take.
   */
  now?: number;
  senderSecretKey: Uint8Array;
  recipientPubkey: string;
  what: string;
  /** Uniform in [0, 1): how far back the seal and wrap times go. Default `Math.random`. */
  random?: () => number;
}

/** NIP-59: seal and wrap times are "tweaked" up to two days into the past, so they say nothing. */
const TWO_DAYS = 2 * 24 * 60 * 60;

interface UnsignedWrap {
  template: { kind: number; content: string; created_at: number; tags: string[][] };
  /** The one-time key that signs the wrap; the caller zeroes it. */
  oneTimeKey: Uint8Array;
}

/**
 * NIP-59's `wrapEvent` (rumor → seal → wrap, as nostr-tools lays them out) up to the wrap's
 * signature, with the seal's and wrap's random past times counted from `now` rather than from the
 * platform clock.
 */
function unsignedWrapAt(input: GiftWrapInput, now: number): UnsignedWrap {
  const random = input.random ?? Math.random;
  const past = () => Math.round(now - random() * TWO_DAYS);
  const rumor = createRumor(
    { kind: input.kind, content: input.content, tags: input.tags, created_at: now },
    input.senderSecretKey,
  );
  const seal = finalizeEvent(
    {
      kind: KIND_SEAL,
      content: nip44Encrypt(
        JSON.stringify(rumor),
        getConversationKey(input.senderSecretKey, input.recipientPubkey),
      ),
      created_at: past(),
      tags: [],
    },
    input.senderSecretKey,
  );
  const oneTimeKey = generateSecretKey();
  return {
    template: {
      kind: KIND_GIFT_WRAP,
      content: nip44Encrypt(JSON.stringify(seal), getConversationKey(oneTimeKey, input.recipientPubkey)),
      created_at: past(),
      tags: [["p", input.recipientPubkey]],
    },
    oneTimeKey,
  };
}

function checkRecipient(input: GiftWrapInput): void {
  if (!isValidPubkey(input.recipientPubkey))
    fail("bad-parameter", "The recipient's public key is not valid.");
}

function unsignedWrap(input: GiftWrapInput): UnsignedWrap {
  try {
    return unsignedWrapAt(input, input.now ?? nowSeconds());
  } catch {
    return fail("bad-parameter", `The ${input.what} could not be sealed: check the sender's key.`);
  }
}

function checkFrame(wrap: NostrEvent, what: string): NostrEvent {
  const size = eventFrameBytes(wrap);
  if (size > RELAY_FRAME_LIMIT) {
    return fail(
      "too-large",
      `The ${what} would be ${size} bytes on the wire; relays take ${RELAY_FRAME_LIMIT}.`,
    );
  }
  return wrap;
}

/** Seals and gift-wraps a rumor; throws `too-large` if the wrap's frame would exceed the limit. */
export function giftWrap(input: GiftWrapInput): NostrEvent {
  checkRecipient(input);
  const { template, oneTimeKey } = unsignedWrap(input);
  try {
    // Signed here by nostr-tools (its field order is what relays have always received).
    const wrap: EventFields = finalizeEvent(template, oneTimeKey);
    return checkFrame(wrap as NostrEvent, input.what);
  } finally {
    oneTimeKey.fill(0);
  }
}

/**
 * `giftWrap` with NIP-13 proof of work on the wrap: a `nonce` tag after the `p` tag, mined (in
 * slices, with `pause` between them) until the wrap's id has `difficulty` leading zero bits, then
 * signed by the one-time key.
 */
export async function giftWrapWithWork(
  input: GiftWrapInput,
  difficulty: number,
  options: MineOptions = {},
): Promise<NostrEvent> {
  checkRecipient(input);
  const { template, oneTimeKey } = unsignedWrap(input);
  try {
    const mined = await mineNonce({ ...template, pubkey: getPublicKey(oneTimeKey) }, difficulty, options);
    const wrap: EventFields = finalizeEvent({ ...template, tags: mined.tags }, oneTimeKey);
    if (wrap.id !== mined.id) throw new Error("The mined id differs from the signed one.");
    return checkFrame(wrap as NostrEvent, input.what);
  } finally {
    oneTimeKey.fill(0);
  }
}

/** Length of a NIP-44 v2 payload (base64) for `n` plaintext bytes: version, nonce, length prefix, padding, MAC. */
export function nip44PayloadLength(n: number): number {
  const prefix = n >= 65_536 ? 6 : 2;
  return base64Length(1 + 32 + prefix + nip44v2.utils.calcPaddedLen(n) + 32);
}

const HEX = (n: number) => "0".repeat(n);
// JSON around the content of a seal and of a wrap's EVENT frame, as nostr-tools lays them out
// (created_at has 10 digits until the year 2286).
const SEAL_OVERHEAD = utf8Encode(
  JSON.stringify({
    kind: KIND_SEAL,
    content: "",
    created_at: 1e9,
    tags: [],
    pubkey: HEX(64),
    id: HEX(64),
    sig: HEX(128),
  }),
).length;
const WRAP_FRAME_OVERHEAD = utf8Encode(
  JSON.stringify([
    "EVENT",
    {
      kind: KIND_GIFT_WRAP,
      content: "",
      created_at: 1e9,
      tags: [["p", HEX(64)]],
      pubkey: HEX(64),
      id: HEX(64),
      sig: HEX(128),
    },
  ]),
).length;

/**
 * Exact bytes of the `["EVENT", wrap]` frame for a rumor whose JSON is `rumorJsonBytes` long: what
 * a sender checks against `RELAY_FRAME_LIMIT` before doing any cryptography.
 */
export function giftWrapFrameBytes(rumorJsonBytes: number): number {
  const sealBytes = SEAL_OVERHEAD + nip44PayloadLength(rumorJsonBytes);
  return WRAP_FRAME_OVERHEAD + nip44PayloadLength(sealBytes);
}

export interface OpenedGiftWrap {
  rumor: Rumor;
  /** The checked outer event (its id is what a client records as seen). */
  wrap: NostrEvent;
}

function decryptLayer(payload: string, secretKey: Uint8Array, senderPubkey: string, what: string): unknown {
  let json: string;
  try {
    json = nip44Decrypt(payload, getConversationKey(secretKey, senderPubkey));
  } catch {
    return fail("decrypt-failed", `The ${what} does not decrypt with this key: not for us, or damaged.`);
  }
  try {
    return JSON.parse(json);
  } catch {
    return fail("bad-encoding", `The ${what} does not hold JSON.`);
  }
}

/**
 * Opens a gift wrap addressed to `recipientSecretKey`: checks the wrap (kind, size, one `p` tag
 * naming us, signature), decrypts and checks the seal (kind 13, no tags, signature), decrypts and
 * checks the rumor (shape, id), and requires rumor author = seal signer.
 */
export function openGiftWrap(
  value: unknown,
  recipientSecretKey: Uint8Array,
  what: string,
  verify: VerifyEvent = defaultVerify,
): OpenedGiftWrap {
  const raw = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof raw.content === "string" && raw.content.length > RELAY_FRAME_LIMIT) {
    fail("too-large", `The ${what} is larger than a relay frame.`);
  }
  let me: string;
  try {
    me = getPublicKey(recipientSecretKey);
  } catch {
    return fail("bad-parameter", "The recipient's secret key is not valid.");
  }
  const wrap = checkSignedEvent(value, KIND_GIFT_WRAP, what, verify);
  const p = wrap.tags.filter((t) => t[0] === "p");
  if (p.length !== 1 || p[0]!.length < 2) fail("bad-tag", `The ${what} must name exactly one recipient.`);
  if (p[0]![1] !== me) fail("not-for-me", `The ${what} is addressed to someone else.`);

  const sealValue = decryptLayer(wrap.content, recipientSecretKey, wrap.pubkey, what);
  let seal: NostrEvent;
  try {
    seal = checkSignedEvent(sealValue, KIND_SEAL, `${what} seal`, verify);
  } catch (e) {
    if (e instanceof MarmotError && e.code === "bad-signature") throw e;
    return fail("malformed", `The ${what} does not hold a valid seal.`);
  }
  // NIP-59: "tags MUST be empty" on the seal, so nothing about the recipient leaks from it.
  if (seal.tags.length !== 0) fail("bad-tag", `The ${what}'s seal must have no tags.`);

  const rumorValue = decryptLayer(seal.content, recipientSecretKey, seal.pubkey, `${what} seal`);
  const rumor = checkRumor(rumorValue, what);
  if (rumor.pubkey !== seal.pubkey) {
    fail("sender-mismatch", `The ${what} claims an author other than the one who sealed it.`);
  }
  return { rumor, wrap };
}

/**
 * NIP-13 proof of work: an event whose id has at least `difficulty` leading zero bits, found by
 * varying the count in a `["nonce", <count>, <target difficulty>]` tag. The target is committed in
 * the tag so that an id that is lucky by chance still says what its maker aimed at.
 *
 * Counting zero bits is nostr-tools' `getPow`. Mining is done here rather than with its `minePow`,
 * for two reasons: `minePow` restamps `created_at` with the platform's clock on every second it
 * runs (a gift wrap's time must stay NIP-59's random past, counted from the relays' clock, and a
 * browser's clock may be off), and it runs in one loop that blocks a page or a server until it is
 * done. Here the same hash (SHA-256 of the NIP-01 serialisation, @noble/hashes) is mined in short
 * slices with a pause between them, so the page stays responsive and the server keeps serving.
 *
 * Runs in: Node and browsers; pure (the pause between slices is the caller's to give).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { getPow } from "nostr-tools/nip13";
import { isLowerHex } from "./event.ts";

/** What an event's id is computed from (NIP-01), before the nonce tag is added. */
export interface PowTemplate {
  pubkey: string;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
}

export interface Mined {
  /** The template's tags with the nonce tag last. */
  tags: string[][];
  /** The id those tags give: at least `difficulty` leading zero bits. */
  id: string;
}

/** Lets the platform run between slices of mining (a page paints, a server answers). */
export type Pause = () => Promise<void>;

export interface MineOptions {
  pause?: Pause;
  /** How long one slice runs before the pause, in milliseconds. Default 25. */
  sliceMs?: number;
}

const nextTurn: Pause = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Leading zero bits of a 64-hex id (0 for anything that is not one: it proves nothing). */
export function leadingZeroBits(id: unknown): number {
  return isLowerHex(id, 64) ? getPow(id) : 0;
}

/**
 * The target committed in the event's one `nonce` tag, or undefined when there is none, more than
 * one, or its target is not a whole number.
 */
export function committedTarget(tags: readonly (readonly string[])[]): number | undefined {
  const nonces = tags.filter((t) => t[0] === "nonce");
  if (nonces.length !== 1) return undefined;
  const [, count, target] = nonces[0]!;
  if (count === undefined || !/^\d{1,20}$/.test(count)) return undefined;
  if (target === undefined || !/^\d{1,3}$/.test(target)) return undefined;
  return Number(target);
}

/**
 * Finds a nonce giving the template's id at least `difficulty` leading zero bits. The serialisation
 * is cut around the count once, so each try hashes the bytes it must and nothing is re-encoded.
 */
export async function mineNonce(
  template: PowTemplate,
  difficulty: number,
  options: MineOptions = {},
): Promise<Mined> {
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > 256)
    throw new RangeError("A proof of work's difficulty is a whole number of bits from 0 to 256.");
  const pause = options.pause ?? nextTurn;
  const sliceMs = options.sliceMs ?? 25;
  const target = String(difficulty);
  const withCount = (count: string) => [...template.tags, ["nonce", count, target]];
  const serialise = (count: string) =>
    JSON.stringify([
      0,
      template.pubkey,
      template.created_at,
      template.kind,
      withCount(count),
      template.content,
    ]);
  const MARK = "0";
  const whole = serialise(MARK);
  const head = `[0,${JSON.stringify(template.pubkey)},${template.created_at},${template.kind},${JSON.stringify(withCount("")).slice(0, -(JSON.stringify(target).length + 4))}`;
  const tail = whole.slice(head.length + MARK.length);
  if (!whole.startsWith(head) || `${head}${MARK}${tail}` !== whole)
    throw new Error("The event cannot be cut around its nonce for mining.");
  const headState = sha256.create().update(utf8ToBytes(head));
  const tailBytes = utf8ToBytes(tail);
  let count = 0;
  for (;;) {
    const until = Date.now() + sliceMs;
    do {
      for (let i = 0; i < 256; i++, count++) {
        const digits = String(count);
        const hash = headState.clone().update(utf8ToBytes(digits)).update(tailBytes).digest();
        if (zeroBits(hash) >= difficulty) return { tags: withCount(digits), id: bytesToHex(hash) };
      }
    } while (Date.now() < until);
    await pause();
  }
}

function zeroBits(hash: Uint8Array): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/**
 * The throwaway keys of answers sealed in this browser, kept in localStorage per event (its
 * address `<kind>:<group key>:<d>`), so a person who comes back to the event or to its private
 * link in the same browser finds the hosts' reply, and a second answer to the same event is
 * answered to the same key.
 *
 * Runs in: browsers (the public pages' script).
 */
import { decodeNaddr } from "@rally/client";

const PREFIX = "rally.answerKey.";

export interface AnsweredEvent {
  naddr: string;
  /** `<kind>:<group public key hex>:<d>` */
  address: string;
  /** The group's public key: answers are wrapped to it. */
  groupPubkey: string;
}

export function answeredEvent(naddr: string | null | undefined): AnsweredEvent | undefined {
  const pointer = naddr ? decodeNaddr(naddr) : undefined;
  if (!naddr || !pointer) return undefined;
  return {
    naddr,
    address: `${pointer.kind}:${pointer.pubkey}:${pointer.identifier}`,
    groupPubkey: pointer.pubkey,
  };
}

export const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export function fromHex(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** localStorage when this browser lets the page use it (it may be off, full or blocked). */
function storage(): Storage | undefined {
  try {
    const s = window.localStorage;
    const probe = `${PREFIX}probe`;
    s.setItem(probe, "1");
    s.removeItem(probe);
    return s;
  } catch {
    return undefined;
  }
}

export function canKeepKeys(): boolean {
  return storage() !== undefined;
}

export function keptKey(address: string): Uint8Array | undefined {
  try {
    return fromHex(storage()?.getItem(PREFIX + address) ?? "");
  } catch {
    return undefined;
  }
}

/** True when the key is kept (read back to be sure). */
export function keepKey(address: string, secret: Uint8Array): boolean {
  const s = storage();
  if (!s) return false;
  try {
    s.setItem(PREFIX + address, toHex(secret));
    return s.getItem(PREFIX + address) === toHex(secret);
  } catch {
    return false;
  }
}

/**
 * NIP-19 names as Rally's public pages use them: `npub` for a group's public key and `naddr` for
 * one of its public calendar events. Decoding never throws: anything that is not the expected entity
 * with a valid key is `undefined` (a page answers 404, not 500).
 */
import { decode, naddrEncode as encodeNaddr, npubEncode as encodeNpub } from "nostr-tools/nip19";
import { isPubkeyHex } from "./event.ts";

export interface AddressPointer {
  kind: number;
  pubkey: string;
  identifier: string;
  relays: string[];
}

/** Longest bech32 text accepted: an naddr with a long `d` and a few relays stays well under it. */
const MAX_NIP19_LENGTH = 2000;

export function npubOf(pubkey: string): string {
  return encodeNpub(pubkey);
}

export function naddrOf(pointer: {
  kind: number;
  pubkey: string;
  identifier: string;
  relays?: string[];
}): string {
  return encodeNaddr({ ...pointer, relays: pointer.relays ?? [] });
}

/** The hex key of an `npub1…`, or undefined. */
export function decodeNpub(text: string): string | undefined {
  if (text.length > MAX_NIP19_LENGTH || !text.startsWith("npub1")) return undefined;
  try {
    const decoded = decode(text as `npub1${string}`);
    return decoded.type === "npub" && isPubkeyHex(decoded.data) ? decoded.data : undefined;
  } catch {
    return undefined;
  }
}

/** The pointer of an `naddr1…`, or undefined. */
export function decodeNaddr(text: string): AddressPointer | undefined {
  if (text.length > MAX_NIP19_LENGTH || !text.startsWith("naddr1")) return undefined;
  try {
    const decoded = decode(text as `naddr1${string}`);
    if (decoded.type !== "naddr" || !isPubkeyHex(decoded.data.pubkey)) return undefined;
    const { kind, pubkey, identifier } = decoded.data;
    return { kind, pubkey, identifier, relays: decoded.data.relays ?? [] };
  } catch {
    return undefined;
  }
}

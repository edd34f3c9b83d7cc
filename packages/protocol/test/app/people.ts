/** Fixed test identities (secret keys derived from names) and small builders shared by app tests. */

import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { getPublicKey } from "nostr-tools/pure";
import type { Rumor, RumorEntry } from "../../src/app/index.ts";

export interface Person {
  name: string;
  sk: Uint8Array;
  pk: string;
}

export function person(name: string): Person {
  const sk = sha256(utf8ToBytes(`rally test ${name}`));
  return { name, sk, pk: getPublicKey(sk) };
}

export const alice = person("alice");
export const bob = person("bob");
export const carol = person("carol");
export const dave = person("dave");
export const erin = person("erin");

/** An entry as the group layer would hand it over: sender = the rumor's author. */
export function from(rumor: Rumor, epoch?: number): RumorEntry {
  return epoch === undefined ? { rumor, sender: rumor.pubkey } : { rumor, sender: rumor.pubkey, epoch };
}

/**
 * Rally's group data: a custom MLS GroupContext extension (RFC 9420 §13.4 "GroupContext
 * extensions"; the idea of Marmot MIP-01's 0xF2EE marmot_group_data, in our own smaller format).
 * Every member holds the same value because it is part of the group context that the key
 * schedule hashes; it changes only through a GroupContextExtensions proposal in a commit, and
 * every member accepts such a commit only from an admin (see `permissions.ts`).
 *
 *   struct {
 *     uint8  version = 1;
 *     opaque name<V>;          // UTF-8, 1..256 bytes
 *     opaque description<V>;   // UTF-8, 0..4096 bytes
 *     opaque admins<V>;        // 1..256 x-only Nostr pubkeys, 32 bytes each, no repeats
 *     opaque relays<V>;        // 0..32 × opaque url<V>: ws:// or wss:// URLs, ≤ 512 bytes, no repeats
 *     uint32 disappear_after;  // version 2 only: seconds, one of DISAPPEAR_AFTER_CHOICES
 *   } RallyGroupData;
 *
 * Version 2 adds the disappearing-messages timer. A group without a timer is written as version 1,
 * byte for byte as before, so apps that read only version 1 keep reading such groups; turning the
 * timer on writes version 2, which such an app refuses (it cannot honour the timer anyway).
 *
 * Differences from Marmot: no `nostr_group_id` (Rally's routing tag is derived from each epoch's
 * exporter secret, so no stable id exists to store), no image fields yet, and lists are real TLS
 * vectors rather than comma-joined strings.
 */

// The identity module's check includes the curve (BIP-340 lift_x), not only the hex shape.
import type { PubkeyHex } from "../nostr/event.ts";
import { isValidPubkey } from "../nostr/sign.ts";
import { bytesToHex, hexToBytes } from "./bytes.ts";
import { fail } from "./errors.ts";
import { TlsReader, TlsWriter } from "./tls.ts";

/** Custom GroupContext extension type (RFC 9420 §17.3: 0xF000–0xFFFF is for private use). */
export const RALLY_GROUP_DATA_EXTENSION = 0xf2a1;

export const MAX_NAME_BYTES = 256;
export const MAX_DESCRIPTION_BYTES = 4096;
export const MAX_ADMINS = 256;
export const MAX_RELAYS = 32;
export const MAX_RELAY_BYTES = 512;

const VERSION = 1;
/** The version that carries the disappearing-messages timer. */
const VERSION_TIMER = 2;

/**
 * The timers a group may set, in seconds: 1 hour, 1 day, 1 week, 4 weeks. A short fixed list so
 * every member reads the same words ("1 day") and nobody can set a timer of a second.
 */
export const DISAPPEAR_AFTER_CHOICES: readonly number[] = [3600, 86_400, 604_800, 2_419_200];

export interface GroupData {
  name: string;
  description: string;
  /** Nostr pubkeys allowed to add and remove members and change this data. */
  admins: PubkeyHex[];
  /** Relays the group's messages go to. */
  relays: string[];
  /**
   * Disappearing messages: members' devices delete chat messages this many seconds after they were
   * written, and kind 445 application messages expire on relays (NIP-40). Absent or null: off.
   */
  disappearAfter?: number | null;
}

const utf8 = new TextEncoder();
const MULTI_BYTE = "a letter of the Latin alphabet is 1 byte, an accented letter 2, an emoji 4 or more";
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeText(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return fail("bad-group-data", `The group ${what} is not valid UTF-8.`);
  }
}

/** Checks a group data value; returns it with the same fields, or throws `bad-group-data`. */
export function checkGroupData(data: GroupData): GroupData {
  const nameBytes = utf8.encode(data.name).length;
  if (data.name.trim().length === 0) fail("bad-group-data", "A group needs a name.");
  // The wire holds these as byte strings, so the limits are in bytes, and the errors say so.
  if (nameBytes > MAX_NAME_BYTES) {
    fail(
      "bad-group-data",
      `A group name may be at most ${MAX_NAME_BYTES} bytes of UTF-8; this one has ${nameBytes} (${MULTI_BYTE}).`,
    );
  }
  const descriptionBytes = utf8.encode(data.description).length;
  if (descriptionBytes > MAX_DESCRIPTION_BYTES) {
    fail(
      "bad-group-data",
      `A group description may be at most ${MAX_DESCRIPTION_BYTES} bytes of UTF-8; this one has ${descriptionBytes} (${MULTI_BYTE}).`,
    );
  }
  if (data.admins.length === 0) fail("bad-group-data", "A group needs at least one admin.");
  if (data.admins.length > MAX_ADMINS)
    fail("bad-group-data", `A group may have at most ${MAX_ADMINS} admins.`);
  if (new Set(data.admins).size !== data.admins.length) fail("bad-group-data", "An admin is listed twice.");
  for (const admin of data.admins) {
    if (!isValidPubkey(admin)) fail("bad-group-data", "An admin is not a valid Nostr public key.");
  }
  if (data.relays.length > MAX_RELAYS)
    fail("bad-group-data", `A group may name at most ${MAX_RELAYS} relays.`);
  if (new Set(data.relays).size !== data.relays.length) fail("bad-group-data", "A relay is listed twice.");
  for (const relay of data.relays) {
    if (
      typeof relay !== "string" ||
      !/^wss?:\/\/[^\s/?#]+[^\s#]*$/i.test(relay) ||
      utf8.encode(relay).length > MAX_RELAY_BYTES
    ) {
      fail(
        "bad-group-data",
        `A group relay must be a ws:// or wss:// address of at most ${MAX_RELAY_BYTES} bytes.`,
      );
    }
  }
  const timer = data.disappearAfter;
  if (timer !== undefined && timer !== null && !DISAPPEAR_AFTER_CHOICES.includes(timer)) {
    fail(
      "bad-group-data",
      "Disappearing messages can be set to 1 hour, 1 day, 1 week or 4 weeks (3600, 86400, 604800 or 2419200 seconds), or turned off.",
    );
  }
  return data;
}

export function encodeGroupData(data: GroupData): Uint8Array {
  checkGroupData(data);
  const timer = data.disappearAfter ?? null;
  const w = new TlsWriter()
    .uint8(timer === null ? VERSION : VERSION_TIMER)
    .opaque(utf8.encode(data.name))
    .opaque(utf8.encode(data.description));
  const admins = new Uint8Array(32 * data.admins.length);
  data.admins.forEach((a, i) => {
    admins.set(hexToBytes(a), 32 * i);
  });
  w.opaque(admins);
  const relays = new TlsWriter();
  for (const r of data.relays) relays.opaque(utf8.encode(r));
  w.opaque(relays.finish());
  if (timer !== null) w.uint32(timer);
  return w.finish();
}

const MAX_RELAYS_FIELD = MAX_RELAYS * (MAX_RELAY_BYTES + 2);

export function decodeGroupData(bytes: Uint8Array): GroupData {
  const r = new TlsReader(bytes, "group data");
  const version = r.uint8();
  if (version !== VERSION && version !== VERSION_TIMER)
    fail("bad-group-data", `This group data has version ${version}; this app reads versions 1 and 2.`);
  const name = decodeText(r.opaque(MAX_NAME_BYTES), "name");
  const description = decodeText(r.opaque(MAX_DESCRIPTION_BYTES), "description");
  const adminBytes = r.opaque(32 * MAX_ADMINS);
  if (adminBytes.length % 32 !== 0) fail("bad-group-data", "The group's admin list is cut off.");
  const admins: PubkeyHex[] = [];
  for (let i = 0; i < adminBytes.length; i += 32)
    admins.push(bytesToHex(adminBytes.subarray(i, i + 32)) as PubkeyHex);
  const relayReader = new TlsReader(r.opaque(MAX_RELAYS_FIELD), "group relay list");
  const relays: string[] = [];
  while (relayReader.remaining > 0) relays.push(decodeText(relayReader.opaque(MAX_RELAY_BYTES), "relay"));
  // Version 2 always carries a timer (off is written as version 1), so "0" is not a second "off".
  const disappearAfter = version === VERSION_TIMER ? r.uint32() : null;
  r.end();
  const data: GroupData = { name, description, admins, relays };
  if (disappearAfter !== null) data.disappearAfter = disappearAfter;
  return checkGroupData(data);
}

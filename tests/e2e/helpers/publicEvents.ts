/**
 * Test helper: public events put into a node's relay by a plain nostr-tools client, signed by
 * "group public keys" made here — what a group's public face publishes (NIP-52 events, a kind 0
 * profile, a kind 31924 calendar), without any Rally client involved.
 */
import { naddrEncode, npubEncode } from "nostr-tools/nip19";
import { finalizeEvent, generateSecretKey, getPublicKey, type NostrEvent } from "nostr-tools/pure";
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import WebSocket from "ws";

useWebSocketImplementation(WebSocket);

export interface TestGroup {
  secret: Uint8Array;
  pubkey: string;
  npub: string;
}

export interface Published {
  event: NostrEvent;
  naddr: string;
  address: string;
}

export function makeGroup(): TestGroup {
  const secret = generateSecretKey();
  const pubkey = getPublicKey(secret);
  return { secret, pubkey, npub: npubEncode(pubkey) };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function publish(relayUrl: string, event: NostrEvent): Promise<void> {
  const relay = await Relay.connect(relayUrl);
  try {
    await relay.publish(event);
  } finally {
    relay.close();
  }
}

export async function publishProfile(
  relayUrl: string,
  group: TestGroup,
  profile: { name: string; about: string; website?: string },
): Promise<void> {
  await publish(
    relayUrl,
    finalizeEvent(
      { kind: 0, created_at: nowSeconds(), tags: [], content: JSON.stringify(profile) },
      group.secret,
    ),
  );
  await publish(
    relayUrl,
    finalizeEvent(
      {
        kind: 31924,
        created_at: nowSeconds(),
        tags: [
          ["d", "rally"],
          ["title", profile.name],
        ],
        content: profile.about,
      },
      group.secret,
    ),
  );
}

/** A NIP-52 event as a group's public face writes it (tags given after `d`). */
export async function publishEvent(
  relayUrl: string,
  group: TestGroup,
  input: { kind: 31922 | 31923; d: string; tags: string[][]; content?: string },
): Promise<Published> {
  const event = finalizeEvent(
    {
      kind: input.kind,
      created_at: nowSeconds(),
      tags: [["d", input.d], ...input.tags, ["a", `31924:${group.pubkey}:rally`]],
      content: input.content ?? "",
    },
    group.secret,
  );
  await publish(relayUrl, event);
  return {
    event,
    naddr: naddrEncode({ kind: input.kind, pubkey: group.pubkey, identifier: input.d, relays: [relayUrl] }),
    address: `${input.kind}:${group.pubkey}:${input.d}`,
  };
}

/** NIP-09: the group deletes one of its events by id and address. */
export async function deleteEvent(relayUrl: string, group: TestGroup, published: Published): Promise<void> {
  await publish(
    relayUrl,
    finalizeEvent(
      {
        kind: 5,
        created_at: nowSeconds(),
        tags: [
          ["e", published.event.id],
          ["a", published.address],
          ["k", String(published.event.kind)],
        ],
        content: "",
      },
      group.secret,
    ),
  );
}

/** Unix seconds of a wall-clock time in UTC. */
export const utc = (iso: string) => Date.parse(`${iso}Z`) / 1000;

export interface Seeded {
  mill: TestGroup;
  harbour: TestGroup;
  repair: Published;
  assembly: Published;
  picnic: Published;
  past: Published;
  concert: Published;
}

export const MILL = { name: "Mill Lane Neighbours", about: "Neighbours fixing things together." };
export const REPAIR = {
  title: "Repair café",
  place: "Library hall, 3 Mill Lane",
  description: "Bring a broken lamp.\n\nWe have tools & tea.",
};
export const ASSEMBLY = { title: "Tenants' assembly", place: "Back room of the Anchor" };
export const PICNIC = { title: "Summer picnic" };
export const PAST = { title: "Spring fair 2020" };
export const CONCERT = { title: "Harbour concert", place: "Harbour steps" };

/** Two groups and their events: upcoming, approval-only, cancelled (all-day), over, another group's. */
export async function seedPublicEvents(relayUrl: string): Promise<Seeded> {
  const mill = makeGroup();
  const harbour = makeGroup();
  await publishProfile(relayUrl, mill, { ...MILL, website: "https://mill.example.org" });
  await publishProfile(relayUrl, harbour, { name: "Harbour Friends", about: "Music by the water." });
  // 19:00 in Berlin on 20 March 2031 (CET, UTC+1).
  const repair = await publishEvent(relayUrl, mill, {
    kind: 31923,
    d: "a1".repeat(16),
    tags: [
      ["title", REPAIR.title],
      ["summary", "Fix it, don't bin it"],
      ["start", String(utc("2031-03-20T18:00:00"))],
      ["end", String(utc("2031-03-20T20:00:00"))],
      ["start_tzid", "Europe/Berlin"],
      ["location", REPAIR.place],
      ["t", "repair"],
      ["t", "community"],
      ["r", "https://mill.example.org/repair"],
    ],
    content: REPAIR.description,
  });
  const assembly = await publishEvent(relayUrl, mill, {
    kind: 31923,
    d: "b2".repeat(16),
    tags: [
      ["title", ASSEMBLY.title],
      ["start", String(utc("2031-04-02T17:30:00"))],
      ["start_tzid", "Europe/Berlin"],
      // A public face leaves the place out when approval is required; pages hide it even if present.
      ["location", ASSEMBLY.place],
      ["rally_approval", "required"],
    ],
  });
  const picnic = await publishEvent(relayUrl, mill, {
    kind: 31922,
    d: "c3".repeat(16),
    tags: [
      ["title", PICNIC.title],
      ["start", "2031-06-14"],
      ["rally_status", "cancelled"],
    ],
  });
  const past = await publishEvent(relayUrl, mill, {
    kind: 31923,
    d: "d4".repeat(16),
    tags: [
      ["title", PAST.title],
      ["start", String(utc("2020-05-01T10:00:00"))],
      ["end", String(utc("2020-05-01T12:00:00"))],
      ["start_tzid", "Europe/Berlin"],
    ],
  });
  const concert = await publishEvent(relayUrl, harbour, {
    kind: 31923,
    d: "e5".repeat(16),
    tags: [
      ["title", CONCERT.title],
      ["start", String(utc("2031-08-01T18:00:00"))],
      ["start_tzid", "Europe/Lisbon"],
      ["location", CONCERT.place],
      ["t", "music"],
    ],
  });
  return { mill, harbour, repair, assembly, picnic, past, concert };
}

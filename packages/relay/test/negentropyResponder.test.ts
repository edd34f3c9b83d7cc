/**
 * The relay's Negentropy responder against nostr-tools' initiator (an independent implementation of
 * the client half): for random pairs of sets — few timestamps so that ties are split by id prefix,
 * sizes on both sides of the 32-record list/bucket threshold, small frames that force several rounds
 * — the client must learn exactly the ids only the relay has and exactly the ids only it has.
 * Bad messages are refused with a reason, never a throw.
 */
import fc from "fast-check";
import { nip77 } from "nostr-tools";
import { describe, expect, it } from "vitest";
import { answerNegentropy, type NegentropyStorage } from "../src/negentropyResponder.ts";

const { Negentropy, NegentropyStorageVector } = nip77;

type Item = { ts: number; id: string };

function storageOf(items: readonly Item[]): NegentropyStorage {
  const s = new NegentropyStorageVector();
  for (const it of items) s.insert(it.ts, it.id);
  s.seal();
  return s;
}

/** Runs the exchange to the end; returns what the client learned and how many round trips it took. */
function reconcile(
  clientItems: readonly Item[],
  relayItems: readonly Item[],
  relayFrame = 60_000,
  clientFrame = 60_000,
) {
  const relay = storageOf(relayItems);
  const client = new Negentropy(storageOf(clientItems), clientFrame);
  const have: string[] = [];
  const need: string[] = [];
  let msg: string | null = client.initiate();
  let rounds = 0;
  while (msg !== null) {
    rounds++;
    if (rounds > 1000) throw new Error("no end to the exchange");
    const answer = answerNegentropy(relay, msg, relayFrame);
    if (!answer.ok) throw new Error(answer.error);
    msg = client.reconcile(
      answer.value,
      (id) => have.push(id),
      (id) => need.push(id),
    );
  }
  return { have, need, rounds };
}

const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("hex"));
/** Ids that often share long prefixes, so bounds need more than one byte of id. */
const nearId = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 31 }), hex32)
  .map(([lead, cut, tail]) => (String(lead).repeat(cut * 2) + tail).slice(0, 64));
// nostr-tools' varints are 32-bit (signed on decoding): timestamps stay below 2^31, as Nostr's do until 2038.
const itemArb = fc.record({
  ts: fc.oneof(
    fc.integer({ min: 1_700_000_000, max: 1_700_000_005 }),
    fc.integer({ min: 0, max: 2 ** 31 - 2 }),
  ),
  id: fc.oneof(hex32, nearId),
});

/** Each item goes to both sides, only the client, or only the relay. */
const splitArb = fc
  .integer({ min: 0, max: 1500 })
  .chain((n) => fc.uniqueArray(itemArb, { selector: (i) => i.id, minLength: n, maxLength: n }))
  .chain((items) =>
    fc.tuple(
      fc.constant(items),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: items.length, maxLength: items.length }),
    ),
  )
  .map(([items, sides]) => {
    const client: Item[] = [];
    const relay: Item[] = [];
    items.forEach((it, i) => {
      const s = sides[i]!;
      if (s !== 1) relay.push(it); // 0, 2–9: the relay has it
      if (s !== 0) client.push(it); // 1–9: the client has it
    });
    return { client, relay };
  });

/**
 * Distinct and sorted: after a frame fills up, the rest of the set comes back as one fingerprint and
 * the client asks about all of it again, so an id may be reported in two rounds.
 */
const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();

describe("Negentropy responder", () => {
  it("lets nostr-tools' client learn exactly the set differences", () => {
    let multiRound = 0;
    fc.assert(
      fc.property(splitArb, fc.constantFrom(4096, 8000, 60_000), ({ client, relay }, frame) => {
        const { have, need, rounds } = reconcile(client, relay, frame);
        const relayIds = new Set(relay.map((i) => i.id));
        const clientIds = new Set(client.map((i) => i.id));
        expect(sorted(need)).toEqual(sorted(relay.filter((i) => !clientIds.has(i.id)).map((i) => i.id)));
        expect(sorted(have)).toEqual(sorted(client.filter((i) => !relayIds.has(i.id)).map((i) => i.id)));
        if (rounds > 1) multiRound++;
      }),
      { numRuns: 150 },
    );
    expect(multiRound).toBeGreaterThan(5);
  });

  it("splits a large answer over several frames and still finds every difference", () => {
    const items: Item[] = [];
    for (let i = 0; i < 8000; i++)
      items.push({ ts: 1_700_000_000 + (i % 50), id: Buffer.from(`${i}`.padStart(32, "x")).toString("hex") });
    // The client has every third record: the relay must list thousands of ids, more than a frame holds.
    const client = items.filter((_, i) => i % 3 === 0);
    const { need, have, rounds } = reconcile(client, items, 4096, 4096);
    expect(have).toEqual([]);
    expect(new Set(need).size).toBe(items.length - client.length);
    expect(rounds).toBeGreaterThan(3);
  });

  it("answers an empty set and an empty client", () => {
    const items = [1, 2, 3].map((n) => ({ ts: n, id: String(n).repeat(64) }));
    expect(reconcile([], []).need).toEqual([]);
    expect(sorted(reconcile([], items).need)).toEqual(sorted(items.map((i) => i.id)));
    expect(sorted(reconcile(items, []).have)).toEqual(sorted(items.map((i) => i.id)));
  });

  it("refuses malformed messages with a reason", () => {
    const s = storageOf([{ ts: 5, id: "ab".repeat(32) }]);
    const bad = (hex: string) => {
      const r = answerNegentropy(s, hex);
      expect(r.ok).toBe(false);
      return r.ok ? "" : r.error;
    };
    expect(bad("")).toMatch(/hex/);
    expect(bad("6")).toMatch(/hex/);
    expect(bad("zz")).toMatch(/hex/);
    expect(bad("00")).toMatch(/version/);
    expect(answerNegentropy(s, "61")).toEqual({ ok: true, value: "61" }); // no ranges: nothing to say
    expect(bad("6101")).toMatch(/ends/); // a bound without its id length
    expect(bad("610021")).toMatch(/longer than 32/); // id prefix of 33 bytes
    expect(bad("61000003")).toMatch(/unknown range mode/);
    expect(bad("610000010102")).toMatch(/ends/); // fingerprint cut short
    expect(bad("6100000205")).toMatch(/ends/); // five ids announced, none sent
    expect(bad(`61${"ff".repeat(9)}7f`)).toMatch(/too large/);
  });

  it("answers a newer protocol version with the one it speaks", () => {
    const s = storageOf([]);
    expect(answerNegentropy(s, "62000000")).toEqual({ ok: true, value: "61" });
  });
});

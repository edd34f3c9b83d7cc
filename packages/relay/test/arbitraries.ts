/** fast-check generators of events and filters over small domains, so that filters often match. */
import type { Filter, NostrEvent } from "@rally/protocol/nostr";
import fc from "fast-check";

export const T0 = 1_700_000_000;
export const NOW = T0 + 10;
const AUTHORS = ["a", "b", "c"].map((c) => c.repeat(64));
const KINDS = [1, 7, 9, 445, 1059];
const LETTERS = ["e", "p", "h", "T"];
const VALUES = ["v1", "v2", "v3", "v4"];

const hex64 = (n: number) => n.toString(16).padStart(64, "0");

const tagArb = fc.oneof(
  fc.tuple(fc.constantFrom(...LETTERS), fc.constantFrom(...VALUES)).map(([l, v]) => [l, v]),
  fc
    .tuple(fc.constantFrom(...LETTERS), fc.constantFrom(...VALUES), fc.string())
    .map(([l, v, x]) => [l, v, x]),
  fc.constantFrom(["e"], ["pp", "v1"], ["expiration", String(NOW - 1)], ["expiration", String(NOW + 100)]),
);

export const eventsArb = fc
  .array(
    fc.record({
      author: fc.constantFrom(...AUTHORS),
      kind: fc.constantFrom(...KINDS),
      dt: fc.integer({ min: 0, max: 8 }),
      tags: fc.array(tagArb, { maxLength: 4 }),
    }),
    { maxLength: 40 },
  )
  .map((rows) =>
    rows.map(
      (r, i): NostrEvent =>
        ({
          id: hex64(i + 1),
          pubkey: r.author,
          created_at: T0 + r.dt,
          kind: r.kind,
          tags: r.tags,
          content: "",
          sig: "0".repeat(128),
        }) as NostrEvent,
    ),
  );

/** Each condition present about a quarter of the time, so filters match something often. */
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

export const filterArb = fc
  .record({
    ids: maybe(fc.array(fc.integer({ min: 1, max: 45 }).map(hex64), { maxLength: 12 })),
    authors: maybe(fc.subarray(AUTHORS)),
    kinds: maybe(fc.subarray(KINDS)),
    since: maybe(fc.integer({ min: 0, max: 8 }).map((d) => T0 + d)),
    until: maybe(fc.integer({ min: 0, max: 8 }).map((d) => T0 + d)),
    limit: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    "#e": maybe(fc.subarray(VALUES)),
    "#p": maybe(fc.subarray(VALUES)),
    "#h": maybe(fc.subarray(VALUES, { minLength: 1 })),
    "#T": maybe(fc.subarray(VALUES, { minLength: 1 })),
  })
  .map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as Filter);

export const isExpired = (e: NostrEvent) =>
  e.tags.some((t) => t[0] === "expiration" && Number(t[1]) <= NOW) &&
  // Only the first expiration tag counts.
  Number(e.tags.find((t) => t[0] === "expiration")![1]) <= NOW;

/**
 * Live fan-out matching: the subscription index (per-field lookup maps) and compiled filters must
 * select exactly the subscribers whose filters `matchFilter` accepts, tag conditions included.
 */
import { matchFilter, matchFilters } from "@rally/protocol/nostr";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFilter, matchCompiled } from "../src/compiledFilter.ts";
import { SubscriptionIndex } from "../src/subscriptionIndex.ts";
import { eventsArb, filterArb } from "./arbitraries.ts";

describe("compiled filters", () => {
  it("agree with matchFilter", () => {
    fc.assert(
      fc.property(eventsArb, filterArb, (events, filter) => {
        const c = compileFilter(filter);
        for (const e of events) expect(matchCompiled(c, e)).toBe(matchFilter(filter, e));
      }),
      { numRuns: 300 },
    );
  });

  it("leave out hidden kinds", () => {
    const c = compileFilter({}, [1059]);
    const base = {
      id: "a".repeat(64),
      pubkey: "b".repeat(64),
      created_at: 1,
      tags: [],
      content: "",
      sig: "c".repeat(128),
    };
    expect(matchCompiled(c, { ...base, kind: 1059 } as never)).toBe(false);
    expect(matchCompiled(c, { ...base, kind: 1 } as never)).toBe(true);
  });
});

describe("SubscriptionIndex", () => {
  it("matches exactly the subscribers with a matching filter, each once", () => {
    let hits = 0;
    fc.assert(
      fc.property(
        eventsArb,
        fc.array(fc.array(filterArb, { minLength: 1, maxLength: 3 }), { maxLength: 8 }),
        fc.array(fc.nat(7), { maxLength: 3 }),
        (events, subs, removed) => {
          const index = new SubscriptionIndex<number>();
          subs.forEach((filters, i) => {
            index.add(
              i,
              filters.map((f) => compileFilter(f)),
            );
          });
          for (const r of removed) index.remove(r);
          const live = subs.map((filters, i) => ({ i, filters })).filter((s) => !removed.includes(s.i));
          expect(index.size).toBe(live.length);
          for (const e of events) {
            const got = index.match(e).sort((a, b) => a - b);
            const want = live.filter((s) => matchFilters(s.filters, e)).map((s) => s.i);
            expect(got).toEqual(want);
            hits += got.length;
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(hits).toBeGreaterThan(100);
  });

  it("replaces a subscriber's filters when added again, and forgets removed ones", () => {
    const index = new SubscriptionIndex<string>();
    const e = {
      id: "a".repeat(64),
      pubkey: "b".repeat(64),
      created_at: 1,
      kind: 1,
      tags: [["h", "g"]],
      content: "",
      sig: "c".repeat(128),
    } as never;
    index.add("s", [compileFilter({ kinds: [2] })]);
    expect(index.match(e)).toEqual([]);
    index.add("s", [compileFilter({ "#h": ["g"] })]);
    expect(index.match(e)).toEqual(["s"]);
    index.remove("s");
    expect(index.match(e)).toEqual([]);
    expect(index.size).toBe(0);
  });
});

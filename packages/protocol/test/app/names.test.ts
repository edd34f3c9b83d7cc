/** Names inside groups (docs/PROTOCOL.md "Names"): the kind 0 format and the fold over statements. */
import { describe, expect, test } from "vitest";
import {
  buildProfileRumor,
  foldNames,
  KIND_PROFILE,
  MAX_NAME,
  makeRumor,
  parseProfile,
  RALLY_INNER_KINDS,
  resolveContext,
} from "../../src/app/index.ts";
import { INNER_KINDS } from "../../src/wire/index.ts";
import { alice, bob, carol, dave as dan } from "./people.ts";

describe("names (kind 0 inner rumors)", () => {
  test("a group carries the wire's inner kinds plus kind 0 names", () => {
    expect([...RALLY_INNER_KINDS].sort((a, b) => a - b)).toEqual(
      [...INNER_KINDS, KIND_PROFILE].sort((a, b) => a - b),
    );
  });

  test("round trip: own name and a directory of others, never naming the author twice", () => {
    const r = buildProfileRumor({
      pubkey: alice.pk,
      name: "Alice",
      createdAt: 10,
      directory: new Map([
        [alice.pk, "Not me"],
        [carol.pk, "Carol"],
      ]),
    });
    expect(r.kind).toBe(KIND_PROFILE);
    expect(JSON.parse(r.content)).toEqual({ name: "Alice" });
    expect(parseProfile(r)).toEqual({ name: "Alice", directory: [{ pubkey: carol.pk, name: "Carol" }] });
  });

  test("names are plain text: control characters out, blank is no name, long ones clipped", () => {
    const bad = makeRumor({
      pubkey: bob.pk,
      createdAt: 1,
      kind: KIND_PROFILE,
      tags: [
        ["name", carol.pk, "\u200b"],
        ["name", "not-a-key", "X"],
        ["name", dan.pk, "Da\u0007n"],
      ],
      content: JSON.stringify({ name: "x".repeat(MAX_NAME + 5) }),
    });
    expect(parseProfile(bad)).toEqual({
      name: "x".repeat(MAX_NAME),
      directory: [{ pubkey: dan.pk, name: "Dan" }],
    });
    expect(parseProfile({ ...bad, content: "{" })?.name).toBeNull();
    expect(parseProfile({ ...bad, kind: 9 })).toBeNull();
  });

  test("own statements win over directories; only admins name others; newest wins; removal ends it", () => {
    const ctx = resolveContext({ admins: [alice.pk], removedAt: { [carol.pk]: 50 } });
    const at = (rumor: ReturnType<typeof buildProfileRumor>, time: number) => ({
      rumor,
      at: time,
      epoch: 1,
      late: false,
    });
    const names = foldNames(
      [
        at(
          buildProfileRumor({
            pubkey: alice.pk,
            name: "Alice",
            createdAt: 10,
            directory: new Map([
              [bob.pk, "Bobby"],
              [dan.pk, "Dan"],
            ]),
          }),
          10,
        ),
        at(
          buildProfileRumor({
            pubkey: bob.pk,
            name: "Bob",
            createdAt: 5,
            directory: new Map([[dan.pk, "Spy"]]),
          }),
          5,
        ),
        at(buildProfileRumor({ pubkey: carol.pk, name: "Carol", createdAt: 20 }), 20),
        at(buildProfileRumor({ pubkey: carol.pk, name: "Gone", createdAt: 60 }), 60),
        at(buildProfileRumor({ pubkey: alice.pk, name: "Alice A.", createdAt: 30 }), 30),
      ],
      ctx,
    );
    expect(Object.fromEntries(names)).toEqual({
      [alice.pk]: "Alice A.",
      [bob.pk]: "Bob",
      [carol.pk]: "Carol",
      [dan.pk]: "Dan",
    });
    // A late directory from an admin who is no longer one counts for nothing.
    const late = foldNames(
      [
        {
          rumor: buildProfileRumor({
            pubkey: bob.pk,
            name: "Bob",
            createdAt: 5,
            directory: new Map([[dan.pk, "Dan"]]),
          }),
          at: 5,
          epoch: 1,
          late: true,
        },
      ],
      resolveContext({ admins: [alice.pk], adminsByEpoch: new Map([[1, [bob.pk]]]) }),
    );
    expect(late.has(dan.pk)).toBe(false);
  });
});

/**
 * Who may name whom, and receipt facts on stored rumors (issue 8, review F13 and F2): directory
 * entries about other people count only from admins of the carrying epoch, names dated in the
 * future do not win "newest" for ever, and envelopes stored before receipt facts keep working.
 */
import {
  buildChatMessage,
  buildDeletion,
  buildProfileRumor,
  MAX_CLOCK_SKEW,
  type Rumor,
} from "@rally/protocol/app";
import { describe, expect, it } from "vitest";
import {
  entriesOf,
  type MembershipFacts,
  type RumorEnvelope,
  reduceStored,
} from "../../src/group/appViews.ts";
import { namesFromRumors } from "../../src/group/names.ts";
import type { StoredRumor } from "../../src/store/store.ts";

const A = "a".repeat(64); // admin
const B = "b".repeat(64);
const C = "c".repeat(64);

function stored(r: Rumor, env: Partial<RumorEnvelope> = {}): StoredRumor {
  const full: RumorEnvelope = { r, e: 1, ...env };
  return {
    id: r.id,
    group: "g",
    kind: r.kind,
    created_at: r.created_at,
    pubkey: r.pubkey,
    json: JSON.stringify(full),
  };
}

const facts: MembershipFacts = {
  admins: [A],
  adminsByEpoch: { "1": [A], "2": [A, B], "3": [A] },
  members: [A, B, C],
  removedAt: {},
};

describe("names (F13)", () => {
  it("F13: a non-admin renaming another member for everyone has no effect", () => {
    // A newcomer cannot read Carol's own old statement: what it knows of her is the directories.
    const rows = [
      stored(
        buildProfileRumor({ pubkey: A, name: "Alice", createdAt: 10, directory: new Map([[C, "Carol"]]) }),
      ),
      // Bob is not an admin in epoch 1: his later directory naming Alice and Carol is not taken.
      stored(
        buildProfileRumor({
          pubkey: B,
          name: "Bob",
          createdAt: 20,
          directory: new Map([
            [A, "Traitor"],
            [C, "Traitor too"],
          ]),
        }),
        { t: 20 },
      ),
    ];
    const names = namesFromRumors(rows, facts);
    expect(names.get(A)).toBe("Alice");
    expect(names.get(B)).toBe("Bob"); // everyone still sets their own name
    expect(names.get(C)).toBe("Carol");
  });

  it("F13: a directory from a non-admin does not name people the admin's directory has not named", () => {
    // Dan has not stated his name where this device can read it; only an admin may name him.
    const D = "d".repeat(64);
    const rows = [
      stored(buildProfileRumor({ pubkey: B, name: "Bob", createdAt: 20, directory: new Map([[D, "Spy"]]) })),
    ];
    expect(namesFromRumors(rows, facts).has(D)).toBe(false);
    const admin = [
      stored(
        buildProfileRumor({ pubkey: A, name: "Alice", createdAt: 20, directory: new Map([[D, "Dan"]]) }),
      ),
    ];
    expect(namesFromRumors(admin, facts).get(D)).toBe("Dan");
  });

  it("F13: directory entries count from admins of the carrying epoch, and late ones only from current admins", () => {
    const D = "d".repeat(64);
    const dir = buildProfileRumor({
      pubkey: B,
      name: "Bob",
      createdAt: 20,
      directory: new Map([[D, "Dan"]]),
    });
    expect(namesFromRumors([stored(dir, { e: 2, t: 20 })], facts).get(D)).toBe("Dan");
    // Bob is no longer an admin: the same directory read late (after epoch 2 ended) is not taken.
    expect(namesFromRumors([stored(dir, { e: 2, t: 20, l: true })], facts).has(D)).toBe(false);
  });

  it("F13: a far-future-dated own name does not beat a later honest rename for ever", () => {
    const pinned = buildProfileRumor({ pubkey: B, name: "Pinned", createdAt: 4_000_000_000 });
    const honest = buildProfileRumor({ pubkey: B, name: "Robert", createdAt: 2_000 });
    const rows = [stored(pinned, { t: 1_000 }), stored(honest, { t: 2_000 })];
    expect(namesFromRumors(rows, facts).get(B)).toBe("Robert");
    // Within the skew, a name dated ahead still counts as written.
    const soon = [stored(pinned, { t: 4_000_000_000 - MAX_CLOCK_SKEW }), stored(honest, { t: 2_000 })];
    expect(namesFromRumors(soon, facts).get(B)).toBe("Pinned");
  });

  it("a former member's names dated at or after their removal are not taken", () => {
    const rename = buildProfileRumor({ pubkey: C, name: "Gone", createdAt: 600 });
    const before = buildProfileRumor({ pubkey: C, name: "Carol", createdAt: 100 });
    const removed = { ...facts, members: [A, B], removedAt: { [C]: 500 } };
    expect(namesFromRumors([stored(before), stored(rename)], removed).get(C)).toBe("Carol");
  });
});

describe("receipt facts on stored rumors", () => {
  it("are handed to the reducer; envelopes without them count as read in time at created_at", () => {
    const m = buildChatMessage({ pubkey: B, createdAt: 4_000_000_000, text: "pinned" });
    const [withFacts] = entriesOf([stored(m, { t: 1_000, l: true })]);
    expect(withFacts).toMatchObject({ receivedAt: 1_000, late: true, epoch: 1, sender: B });
    const [old] = entriesOf([stored(m)]);
    expect(old).toEqual({ rumor: m, sender: B, epoch: 1 });
    expect(reduceStored([stored(m)], facts, null).messages[0]?.createdAt).toBe(4_000_000_000);
    expect(reduceStored([stored(m, { t: 1_000 })], facts, null).messages[0]?.createdAt).toBe(
      1_000 + MAX_CLOCK_SKEW,
    );
  });

  it("F2: a demoted admin's late deletion of another's message has no effect; read in time it does", () => {
    const carols = buildChatMessage({ pubkey: C, createdAt: 100, text: "meet at 6" });
    const del = buildDeletion({ pubkey: B, createdAt: 150, targets: [{ id: carols.id, kind: 9 }] });
    const late = reduceStored([stored(carols), stored(del, { e: 2, t: 200, l: true })], facts, null);
    expect(late.messages[0]).toMatchObject({ deleted: false, text: "meet at 6" });
    const inTime = reduceStored([stored(carols), stored(del, { e: 2, t: 200, l: false })], facts, null);
    expect(inTime.messages[0]).toMatchObject({ deleted: true, deletedBy: B });
    // An envelope stored before receipt facts were kept counts as read in time.
    const old = reduceStored([stored(carols), stored(del, { e: 2 })], facts, null);
    expect(old.messages[0]?.deleted).toBe(true);
  });
});

/**
 * Pure parts of the group layer: names from kind 0 rumors (own statement wins over a directory,
 * newest wins), re-proposing only what still makes sense after a lost commit, routing-tag filters
 * per relay, and invite-link origins.
 */
import { buildProfileRumor, makeRumor } from "@rally/protocol/app";
import { describe, expect, it } from "vitest";
import type { RumorEnvelope } from "../../src/group/appViews.ts";
import type { GroupRecord } from "../../src/group/groupRecord.ts";
import { withEpochKey } from "../../src/group/groupRecord.ts";
import { originOf } from "../../src/group/inviteLinks.ts";
import { namesFromRumors } from "../../src/group/names.ts";
import type { StoredRumor } from "../../src/store/store.ts";
import { stillWanted, tagFilters } from "../../src/sync/receive.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

function stored(r: ReturnType<typeof makeRumor>): StoredRumor {
  const env: RumorEnvelope = { r, e: 1 };
  return {
    id: r.id,
    group: "g",
    kind: r.kind,
    created_at: r.created_at,
    pubkey: r.pubkey,
    json: JSON.stringify(env),
  };
}

function record(partial: Partial<GroupRecord>): GroupRecord {
  return {
    v: 1,
    id: "1".repeat(64),
    status: "active",
    name: "G",
    description: "",
    admins: [A],
    relays: ["ws://127.0.0.1:7447"],
    members: [A, B],
    epoch: 1,
    keys: [],
    adminsByEpoch: {},
    removedAt: {},
    joinedAt: 0,
    lastActivity: null,
    lastRead: 0,
    pending: null,
    invite: null,
    endedAt: null,
    ...partial,
  };
}

describe("names", () => {
  it("prefers a person's own statement over a directory entry, and the newest of each", () => {
    const rows = [
      stored(
        buildProfileRumor({
          pubkey: A,
          name: "Alice",
          createdAt: 10,
          directory: new Map([
            [B, "Bobby (per Alice)"],
            [C, "Carol"],
          ]),
        }),
      ),
      stored(buildProfileRumor({ pubkey: B, name: "Bob", createdAt: 5 })),
      stored(buildProfileRumor({ pubkey: A, name: "Alice A.", createdAt: 20 })),
      stored(makeRumor({ pubkey: C, createdAt: 30, kind: 0, tags: [], content: "not json" })),
      stored(
        makeRumor({
          pubkey: C,
          createdAt: 31,
          kind: 0,
          tags: [],
          content: JSON.stringify({ name: "\u0000\u0001" }),
        }),
      ),
    ];
    // A is an admin of epoch 1 (every row's epoch), so A's directory counts.
    const names = namesFromRumors(rows, {
      admins: [A],
      adminsByEpoch: {},
      members: [A, B, C],
      removedAt: {},
    });
    expect(names.get(A)).toBe("Alice A.");
    expect(names.get(B)).toBe("Bob");
    expect(names.get(C)).toBe("Carol");
  });

  it("never lists the author in their own directory", () => {
    const r = buildProfileRumor({
      pubkey: A,
      name: "Alice",
      createdAt: 1,
      directory: new Map([[A, "Someone else"]]),
    });
    expect(r.tags).toEqual([]);
  });
});

describe("after a lost commit", () => {
  it("proposes again only the part that still applies", () => {
    const rec = record({ members: [A, B] });
    const kp = { id: "e".repeat(64) } as never;
    expect(
      stillWanted({ type: "add", invitees: [{ pubkey: B, keyPackageEvent: kp, inbox: [] }] }, rec),
    ).toBeNull();
    expect(
      stillWanted({ type: "add", invitees: [{ pubkey: C, keyPackageEvent: kp, inbox: [] }] }, rec),
    ).toMatchObject({
      invitees: [{ pubkey: C }],
    });
    expect(stillWanted({ type: "remove", pubkeys: [C] }, rec)).toBeNull();
    expect(stillWanted({ type: "remove", pubkeys: [B, C] }, rec)).toEqual({ type: "remove", pubkeys: [B] });
    expect(stillWanted({ type: "proposals" }, rec)).toBeNull();
  });
});

describe("routing tags", () => {
  it("asks each relay only for the tags of the groups that use it", () => {
    const g1 = record({ id: "1".repeat(64), relays: ["ws://one.example"] });
    const g2 = record({ id: "2".repeat(64), relays: ["ws://one.example", "wss://two.example/"] });
    const { relays, filters } = tagFilters(
      new Map([
        ["t1", g1],
        ["t2", g2],
      ]),
    );
    expect(relays.sort()).toEqual(["ws://one.example/", "wss://two.example/"].sort());
    const one = relays.find((r) => r.includes("one"))!;
    const two = relays.find((r) => r.includes("two"))!;
    expect(filters(one)).toEqual([{ kinds: [445], "#h": ["t1", "t2"] }]);
    expect(filters(two)).toEqual([{ kinds: [445], "#h": ["t2"] }]);
  });

  it("keeps the current and three past epochs", () => {
    let keys: GroupRecord["keys"] = [];
    for (let e = 0; e < 7; e++) keys = withEpochKey(keys, { epoch: e, tag: `t${e}`, secret: "" });
    expect(keys.map((k) => k.epoch)).toEqual([6, 5, 4, 3]);
  });
});

describe("invite link origin", () => {
  it("is the web address of the node that serves the relay", () => {
    expect(originOf("ws://127.0.0.1:7447")).toBe("http://127.0.0.1:7447/");
    expect(originOf("wss://rally.example.org/relay")).toBe("https://rally.example.org/");
  });
});

/**
 * Membership notices: what each kind of change reads as, several changes in one commit, the
 * person reading as "You", names looked up at display time, the store round trip on the real
 * SQLite adapter (kept, listed in order, dropped when the commit is rolled back), and their place
 * among the messages of a chat history.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeRumor } from "@rally/protocol/app";
import { getPublicKey } from "nostr-tools/pure";
import { afterAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/api.ts";
import type { GroupRecord } from "../../src/group/groupRecord.ts";
import {
  dropNoticeOps,
  joinedNoticeOps,
  leftNoticeOps,
  loadNotices,
  membershipNotices,
  mergeHistory,
  messageEpochsNear,
  type NoticeRecord,
  noticeEntries,
  noticeOps,
  noticeText,
} from "../../src/group/notices.ts";
import { toNpub } from "../../src/group/people.ts";
import { openSqliteStore } from "../../src/platform/node/sqliteStore.ts";
import { keys } from "../../src/store/keys.ts";

/** Real public keys (npubs are made of them), sorted so that Alice < Bob < Carol < Dan. */
const [ALICE, BOB, CAROL, DAN] = [1, 2, 3, 4].map((n) => getPublicKey(new Uint8Array(32).fill(n))).sort() as [
  string,
  string,
  string,
  string,
];
const GROUP = "1".repeat(64);
const COMMIT = "e".repeat(64);
const NAMES = new Map([
  [ALICE, "Alice"],
  [BOB, "Bob"],
  [CAROL, "Carol"],
  [DAN, "Dan"],
]);
const nameOf = (pk: string) => NAMES.get(pk) ?? "?";

function record(partial: Partial<GroupRecord>): GroupRecord {
  return {
    v: 1,
    id: GROUP,
    status: "active",
    name: "Tenants",
    description: "Our building",
    admins: [ALICE],
    relays: ["ws://127.0.0.1:7447"],
    members: [ALICE, BOB, CAROL],
    epoch: 3,
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

/** The texts of a change as `me` reads it. */
function texts(before: GroupRecord, after: GroupRecord, me: string, left?: string[]): string[] {
  return membershipNotices(before, after, ALICE, left).map((n) => noticeText(n, me, nameOf));
}

describe("membership notices", () => {
  const before = record({});

  it("an add, as a member, the adder and the person added read it", () => {
    const after = record({ members: [ALICE, BOB, CAROL, DAN] });
    expect(texts(before, after, BOB)).toEqual(["Alice added Dan"]);
    expect(texts(before, after, ALICE)).toEqual(["You added Dan"]);
    expect(texts(before, after, DAN)).toEqual(["Alice added you"]);
  });

  it("a removal, and the removed person's own line", () => {
    const after = record({ members: [ALICE, BOB] });
    expect(texts(before, after, BOB)).toEqual(["Alice removed Carol"]);
    expect(texts(before, after, ALICE)).toEqual(["You removed Carol"]);
    expect(texts(before, after, CAROL)).toEqual(["You were removed by Alice"]);
  });

  it("a person who asked to leave left; they were not removed", () => {
    const after = record({ members: [ALICE, CAROL] });
    expect(texts(before, after, CAROL, [BOB])).toEqual(["Bob left"]);
    expect(texts(before, after, BOB, [BOB])).toEqual(["You left"]);
    const n = membershipNotices(before, after, ALICE, [BOB]);
    expect(n).toEqual([{ kind: "left", actor: BOB, subject: BOB, value: null }]);
  });

  it("made an admin, no longer an admin, stepping down", () => {
    const made = record({ admins: [ALICE, BOB] });
    expect(texts(before, made, CAROL)).toEqual(["Alice made Bob an admin"]);
    expect(texts(before, made, BOB)).toEqual(["Alice made you an admin"]);
    expect(texts(before, made, ALICE)).toEqual(["You made Bob an admin"]);
    expect(texts(made, before, CAROL)).toEqual(["Alice removed Bob from the admins"]);
    expect(texts(made, before, BOB)).toEqual(["Alice removed you from the admins"]);
    const stepped = membershipNotices(made, record({ admins: [BOB] }), ALICE);
    expect(stepped.map((n) => noticeText(n, BOB, nameOf))).toEqual(["Alice stepped down as admin"]);
    expect(stepped.map((n) => noticeText(n, ALICE, nameOf))).toEqual(["You stepped down as admin"]);
  });

  it("renames the group, changes or clears its description, changes its relays", () => {
    expect(texts(before, record({ name: "Tenants' union" }), BOB)).toEqual([
      "Alice renamed the group to “Tenants' union”",
    ]);
    expect(texts(before, record({ name: "X" }), ALICE)).toEqual(["You renamed the group to “X”"]);
    expect(texts(before, record({ description: "Floors 1–4" }), BOB)).toEqual([
      "Alice changed the group description",
    ]);
    expect(texts(before, record({ description: "" }), BOB)).toEqual(["Alice removed the group description"]);
    expect(texts(before, record({ relays: ["wss://r.example"] }), BOB)).toEqual([
      "Alice changed the servers that carry the group's messages",
    ]);
    // The same relays in another order are no change.
    const two = record({ relays: ["ws://a", "ws://b"] });
    expect(texts(two, record({ relays: ["ws://b", "ws://a"] }), BOB)).toEqual([]);
    const renamed = membershipNotices(before, record({ name: "New" }), ALICE);
    expect(renamed).toEqual([{ kind: "renamed", actor: ALICE, subject: null, value: "New" }]);
  });

  it("several changes in one commit, in a fixed order", () => {
    const after = record({
      members: [ALICE, BOB, DAN],
      admins: [ALICE, DAN],
      name: "Renamed",
    });
    expect(texts(before, after, BOB)).toEqual([
      "Alice added Dan",
      "Alice removed Carol",
      "Alice made Dan an admin",
      "Alice renamed the group to “Renamed”",
    ]);
  });

  it("a removed admin's removal says it all; no separate admin line", () => {
    const admins = record({ admins: [ALICE, CAROL] });
    const after = record({ members: [ALICE, BOB], admins: [ALICE, CAROL] });
    expect(texts(admins, after, BOB)).toEqual(["Alice removed Carol"]);
  });

  it("an admin entry for someone not in the group counts for nothing", () => {
    // The group data may still list a removed person as admin: not "made an admin" when it drops.
    const stale = record({ members: [ALICE, BOB], admins: [ALICE, CAROL] });
    expect(texts(stale, record({ members: [ALICE, BOB], admins: [ALICE] }), BOB)).toEqual([]);
  });

  it("nothing for a commit that changed nothing shown (a key update), or a record without members", () => {
    expect(texts(before, record({ epoch: 4 }), BOB)).toEqual([]);
    expect(
      noticeOps(before, record({ epoch: 4 }), { committer: BOB, eventId: COMMIT, epoch: 4, at: 1 }),
    ).toEqual([]);
    expect(texts(record({ members: [] }), before, BOB)).toEqual([]);
  });

  it('this device\'s own leaving reads "You left", after what it read in its last epoch', async () => {
    const [op] = leftNoticeOps({ group: GROUP, me: BOB, epoch: 7, at: 300 });
    expect(op?.op).toBe("put");
    const record = (op as { value: NoticeRecord }).value;
    expect(record.epoch).toBe(8);
    expect(noticeEntries([record], BOB, nameOf).map((e) => e.text)).toEqual(["You left"]);
    expect(noticeEntries([record], ALICE, nameOf).map((e) => e.text)).toEqual(["Bob left"]);
  });

  it("the joined line names the inviter", () => {
    const n = { kind: "joined" as const, actor: ALICE, subject: BOB, value: null };
    expect(noticeText(n, BOB, nameOf)).toBe("You joined; invited by Alice");
    expect(noticeText(n, CAROL, nameOf)).toBe("Bob joined; invited by Alice");
  });
});

describe("notices in the store and in the chat history", () => {
  const root = mkdtempSync(join(tmpdir(), "rally-notices-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("keeps a commit's notices, lists them in order, drops them when the commit is rolled back", async () => {
    const store = openSqliteStore(join(root, "a.db"));
    try {
      const first = `${"0".repeat(63)}9`;
      await store.batch([
        ...joinedNoticeOps({ group: GROUP, me: BOB, inviter: ALICE, welcomeId: first, epoch: 2, at: 100 }),
        ...noticeOps(record({}), record({ members: [ALICE, BOB] }), {
          committer: ALICE,
          eventId: COMMIT,
          epoch: 4,
          at: 200,
        }),
        // Another group's notices are not listed with this one's.
        ...noticeOps(record({ id: "2".repeat(64) }), record({ id: "2".repeat(64), name: "Other" }), {
          committer: ALICE,
          eventId: COMMIT,
          epoch: 4,
          at: 150,
        }),
      ]);
      const kept = await loadNotices(store, GROUP);
      expect(kept.map((r) => [r.commit, r.at, r.epoch])).toEqual([
        [first, 100, 2],
        [COMMIT, 200, 4],
      ]);
      const entries = noticeEntries(kept, BOB, nameOf);
      expect(entries).toEqual([
        {
          type: "notice",
          id: `${first}:000`,
          commit: first,
          createdAt: 100,
          epoch: 2,
          notice: "joined",
          actor: toNpub(ALICE),
          actorName: "Alice",
          subject: toNpub(BOB),
          subjectName: "Bob",
          value: null,
          text: "You joined; invited by Alice",
        },
        {
          type: "notice",
          id: `${COMMIT}:000`,
          commit: COMMIT,
          createdAt: 200,
          epoch: 4,
          notice: "removed",
          actor: toNpub(ALICE),
          actorName: "Alice",
          subject: toNpub(CAROL),
          subjectName: "Carol",
          value: null,
          text: "Alice removed Carol",
        },
      ]);
      // A damaged record (not a person's key, an unknown kind) is skipped, not the whole history.
      const damaged = [
        {
          ...kept[1]!,
          notices: [
            { kind: "removed" as const, actor: "f".repeat(64), subject: CAROL, value: null },
            { kind: "exploded" as unknown as "left", actor: ALICE, subject: null, value: null },
            ...kept[1]!.notices,
          ],
        },
      ];
      expect(noticeEntries(damaged, BOB, nameOf).map((e) => e.text)).toEqual(["Alice removed Carol"]);
      // Names come from the directory at display time: a new name shows everywhere.
      const renamed = noticeEntries(kept, BOB, (pk) => (pk === CAROL ? "Caro" : nameOf(pk)));
      expect(renamed[1]?.text).toBe("Alice removed Caro");
      expect(JSON.stringify(await store.get(keys.notice(GROUP, COMMIT)))).not.toContain("Carol");

      await store.batch(dropNoticeOps(GROUP, COMMIT));
      expect((await loadNotices(store, GROUP)).map((r) => r.commit)).toEqual([first]);
      expect((await loadNotices(store, "2".repeat(64))).map((r) => r.commit)).toEqual([COMMIT]);
    } finally {
      await store.close();
    }
  });

  it("reads the epochs of the messages written in a notice's second, and only those", async () => {
    const store = openSqliteStore(join(root, "b.db"));
    try {
      const rows = [
        { at: 199, e: 3 },
        { at: 200, e: 3 },
        { at: 200, e: 4 },
      ].map(({ at, e }, i) => {
        const r = makeRumor({ pubkey: ALICE, createdAt: at, kind: 9, tags: [], content: `m${i}` });
        return {
          op: "putRumor" as const,
          rumor: {
            id: r.id,
            group: GROUP,
            kind: 9,
            created_at: at,
            pubkey: ALICE,
            json: JSON.stringify({ r, e }),
          },
        };
      });
      await store.batch(rows);
      const notices = noticeEntries(
        [{ v: 1, group: GROUP, commit: COMMIT, epoch: 4, at: 200, notices: [] }],
        BOB,
        nameOf,
      );
      expect(await messageEpochsNear(store, GROUP, notices)).toEqual(new Map());
      const one = noticeEntries(
        [
          {
            v: 1,
            group: GROUP,
            commit: COMMIT,
            epoch: 4,
            at: 200,
            notices: [{ kind: "removed", actor: ALICE, subject: CAROL, value: null }],
          },
        ],
        BOB,
        nameOf,
      );
      const epochs = await messageEpochsNear(store, GROUP, one);
      expect([...epochs.entries()].sort((a, b) => a[1] - b[1]).map(([, e]) => e)).toEqual([3, 4]);
      expect(epochs.has(rows[0]!.rumor.id)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it("merges notices with messages by time, a notice first within its second; limit and before", () => {
    const msg = (id: string, createdAt: number): ChatMessage => ({
      id,
      author: toNpub(ALICE),
      authorName: "Alice",
      text: `m${createdAt}`,
      createdAt,
      replyTo: null,
      reactions: [],
      deleted: false,
      state: "sent",
    });
    const notices = noticeEntries(
      [
        {
          v: 1,
          group: GROUP,
          commit: COMMIT,
          epoch: 4,
          at: 20,
          notices: [{ kind: "removed", actor: ALICE, subject: CAROL, value: null }],
        },
      ],
      BOB,
      nameOf,
    );
    const messages = [msg("01", 10), msg("00", 20), msg("02", 30)];
    const all = mergeHistory(messages, notices);
    expect(all.map((e) => (e.type === "notice" ? e.text : e.text))).toEqual([
      "m10",
      "Alice removed Carol",
      "m20",
      "m30",
    ]);
    // Within the notice's second, a message of an earlier epoch was written before the change.
    const epochs = new Map([
      ["00", 3],
      ["03", 4],
    ]);
    const same = mergeHistory([...messages, msg("03", 20)], notices, { epochs });
    expect(same.map((e) => e.id)).toEqual(["01", "00", `${COMMIT}:000`, "03", "02"]);
    expect(same[1]).toEqual({ type: "message", ...msg("00", 20), epoch: 3 });
    // Messages keep every field they had, marked as messages.
    expect(all[0]).toEqual({ type: "message", ...msg("01", 10) });
    expect(mergeHistory(messages, notices, { limit: 2 }).map((e) => e.createdAt)).toEqual([20, 30]);
    expect(mergeHistory(messages, notices, { before: 30, limit: 2 }).map((e) => e.type)).toEqual([
      "notice",
      "message",
    ]);
  });
});

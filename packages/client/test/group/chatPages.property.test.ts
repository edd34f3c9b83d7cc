/**
 * Reading a chat by pages gives exactly what folding the whole history gives: random histories of
 * messages, reactions, deletions (of messages and of reactions, by authors, admins and others),
 * across epochs with an admin lost, a member removed part-way and late reads, stored in random
 * order in a real SQLite store; then every page, walked from the newest back with a random size,
 * must equal its slice of the full fold, and the pages together the whole chat.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import {
  buildChatMessage,
  buildDeletion,
  buildReaction,
  type ChatMessageState,
  type Rumor,
} from "@rally/protocol/app";
import fc from "fast-check";
import { getPublicKey } from "nostr-tools/pure";
import { afterAll, describe, expect, test } from "vitest";
import {
  type MembershipFacts,
  type RumorEnvelope,
  reduceStored,
  storedRumorOf,
} from "../../src/group/appViews.ts";
import { type ChatCursor, readChatPage } from "../../src/group/chatPages.ts";
import { openSqliteStore } from "../../src/platform/node/sqliteStore.ts";
import type { StoredRumor } from "../../src/store/store.ts";

const root = mkdtempSync(join(tmpdir(), "rally-chat-pages-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const pk = (name: string) => getPublicKey(sha256(utf8ToBytes(`rally pages ${name}`)));
const [alice, bob, carol, dave] = ["alice", "bob", "carol", "dave"].map(pk) as [
  string,
  string,
  string,
  string,
];
const people = [alice, bob, carol, dave];
const GROUP = "ab".repeat(8);
const facts: MembershipFacts = {
  admins: [alice],
  // bob was an admin in epochs 0 and 1 only.
  adminsByEpoch: { 0: [alice, bob], 1: [alice, bob], 2: [alice] },
  members: [alice, bob, carol],
  removedAt: { [dave]: 50 },
};

const op = fc.record({
  t: fc.constantFrom("chat", "chat", "chat", "react", "delete"),
  by: fc.integer({ min: 0, max: people.length - 1 }),
  at: fc.integer({ min: 0, max: 80 }),
  epoch: fc.integer({ min: 0, max: 2 }),
  late: fc.boolean(),
  // Deleting one's own message or reaction is the common case: half of the deletions are that.
  own: fc.boolean(),
  target: fc.nat(),
  text: fc.constantFrom("hi", "ok", "no"),
  emoji: fc.constantFrom("👍", "✊"),
});

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function history(ops: Op[]): RumorEnvelope[] {
  const made: Rumor[] = [];
  const out: RumorEnvelope[] = [];
  for (const o of ops) {
    const pubkey = people[o.by] as string;
    let rumor: Rumor | null = null;
    const target = made.length > 0 ? made[o.target % made.length] : undefined;
    if (o.t === "chat")
      rumor = buildChatMessage({ pubkey, createdAt: o.at, text: `${o.text} ${made.length}` });
    else if (o.t === "react" && target)
      rumor = buildReaction({
        pubkey,
        createdAt: o.at,
        target: { id: target.id, pubkey: target.pubkey, kind: target.kind },
        emoji: o.emoji,
      });
    else if (o.t === "delete" && target)
      rumor = buildDeletion({
        pubkey: o.own ? target.pubkey : pubkey,
        createdAt: o.at,
        targets: [{ id: target.id, kind: target.kind }],
      });
    if (!rumor) continue;
    made.push(rumor);
    out.push({ r: rumor, e: o.epoch, t: o.at + 5, ...(o.late ? { l: true } : {}) });
  }
  return out;
}

let n = 0;

describe("chat pages", () => {
  test("every page equals its slice of the full fold, and the pages make the whole chat", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (ops, size, seed) => {
          const rows = history(ops).map((env) => storedRumorOf(GROUP, env));
          const store = openSqliteStore(join(root, `s${n++}.db`));
          try {
            // Stored in a shuffled order, as messages arrive out of order.
            const shuffled = [...rows].sort(
              (a, b) => ((hash(a.id) ^ seed) % 1009) - ((hash(b.id) ^ seed) % 1009),
            );
            for (const r of shuffled) await store.batch([{ op: "putRumor", rumor: r }]);
            const full = reduceStored(rows, facts, null).messages;
            const all = await readChatPage(store, GROUP, facts, {});
            expect(strip(all.messages)).toEqual(strip(full));

            let cursor: ChatCursor | undefined;
            let end = full.length;
            const walked: ChatMessageState[][] = [];
            for (let guard = 0; guard < 100; guard++) {
              const page = await readChatPage(store, GROUP, facts, {
                limit: size,
                ...(cursor ? { before: cursor } : {}),
              });
              expect(strip(page.messages)).toEqual(strip(full.slice(Math.max(0, end - size), end)));
              walked.unshift(page.messages);
              end -= page.messages.length;
              const first = page.messages[0];
              if (page.complete || first === undefined) break;
              cursor = { created_at: first.createdAt, id: first.id };
            }
            expect(end).toBe(0);
            expect(strip(walked.flat())).toEqual(strip(full));
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  test("a page reads only what acts on it: the index holds each reaction's and deletion's targets", async () => {
    const store = openSqliteStore(join(root, "refs.db"));
    try {
      const m = buildChatMessage({ pubkey: alice, createdAt: 10, text: "hello" });
      const r = buildReaction({ pubkey: bob, createdAt: 11, target: m, emoji: "👍" });
      const d = buildDeletion({ pubkey: bob, createdAt: 12, targets: [{ id: r.id, kind: r.kind }] });
      const rows: StoredRumor[] = [m, r, d].map((x) => storedRumorOf(GROUP, { r: x, e: 0 }));
      await store.batch(rows.map((x) => ({ op: "putRumor" as const, rumor: x })));
      expect((await store.rumors({ group: GROUP, refs: [m.id] })).map((x) => x.id)).toEqual([r.id]);
      expect((await store.rumors({ group: GROUP, refs: [r.id] })).map((x) => x.id)).toEqual([d.id]);
      const page = await readChatPage(store, GROUP, facts, { limit: 5 });
      // bob's reaction was deleted by bob: the message shows no reaction.
      expect(page.messages.map((x) => [x.text, x.reactions.length])).toEqual([["hello", 0]]);
    } finally {
      await store.close();
    }
  });
});

/** The fields a reader sees (the fold's message states, without object identity). */
function strip(list: readonly ChatMessageState[]): unknown[] {
  return list.map((m) => JSON.parse(JSON.stringify(m)));
}

function hash(id: string): number {
  return Number.parseInt(id.slice(0, 8), 16);
}

/** The single batched writer: many events, few transactions, answers only after commit. */
import type { NostrEvent } from "@rally/protocol/nostr";
import { describe, expect, it } from "vitest";
import { BatchWriter } from "../src/batchWriter.ts";
import { SqliteEventStore } from "../src/store/sqlite.ts";
import type { EventStore, SaveOutcome } from "../src/store/types.ts";

const ev = (i: number): NostrEvent =>
  ({
    id: i.toString(16).padStart(64, "0"),
    pubkey: "a".repeat(64),
    created_at: 1000 + i,
    kind: 1,
    tags: [] as string[][],
    content: String(i),
    sig: "0".repeat(128),
  }) as NostrEvent;

describe("BatchWriter", () => {
  it("commits events queued in the same turn as one batch, each answered after the commit", async () => {
    const store = new SqliteEventStore(":memory:");
    const committed: number[] = [];
    const recording: EventStore = {
      ...store,
      saveBatch: async (events) => {
        const out = await store.saveBatch(events);
        committed.push(events.length);
        return out;
      },
      query: store.query.bind(store),
      queryKeys: store.queryKeys.bind(store),
      count: store.count.bind(store),
      purgeExpired: store.purgeExpired.bind(store),
      close: store.close.bind(store),
    };
    const writer = new BatchWriter(recording, 300);
    const answered: number[] = [];
    const all = Array.from({ length: 1000 }, (_, i) =>
      writer.write(ev(i)).then((o) => {
        // By the time an answer arrives, its batch is in the database.
        expect(store.querySync({ ids: [ev(i).id] }, { now: 0 }).length).toBe(1);
        answered.push(i);
        return o;
      }),
    );
    const outcomes = await Promise.all(all);
    expect(outcomes.every((o) => o.status === "saved")).toBe(true);
    expect(committed).toEqual([300, 300, 300, 100]);
    expect(writer.batches).toBe(4);
    expect(answered.length).toBe(1000);
    await writer.close();
    await expect(writer.write(ev(5000))).rejects.toThrow(/shutting down/);
    await store.close();
  });

  it("isolates an event whose save fails: the rest of its batch is still saved", async () => {
    const store = new SqliteEventStore(":memory:");
    const poison = ev(2).id;
    let diskFull = false;
    const flaky: EventStore = {
      saveBatch: async (events): Promise<SaveOutcome[]> => {
        if (diskFull) throw new Error("disk full");
        if (events.some((e) => e.id === poison)) throw new Error("cannot store this one");
        return store.saveBatch(events);
      },
      query: store.query.bind(store),
      queryKeys: store.queryKeys.bind(store),
      count: store.count.bind(store),
      purgeExpired: store.purgeExpired.bind(store),
      close: store.close.bind(store),
    };
    const writer = new BatchWriter(flaky, 100);
    const results = await Promise.allSettled([1, 2, 3].map((i) => writer.write(ev(i))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(store.countSync([{}], { now: 0 })).toBe(2);
    diskFull = true;
    await expect(writer.write(ev(4))).rejects.toThrow("disk full");
    diskFull = false;
    expect((await writer.write(ev(5))).status).toBe("saved");
    await writer.close();
    await store.close();
  });

  it("close() waits for what is queued", async () => {
    const store = new SqliteEventStore(":memory:");
    const writer = new BatchWriter(store, 10);
    const pending = Array.from({ length: 25 }, (_, i) => writer.write(ev(i)));
    await writer.close();
    expect(store.countSync([{}], { now: 0 })).toBe(25);
    await Promise.all(pending);
    await store.close();
  });
});

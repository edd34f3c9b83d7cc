/**
 * Where catching up with a routing tag starts (sync/tagCursors.ts): in full the first time, then
 * from the newest event seen less the margin; a time past the relays' allowance for clocks ahead
 * never moves a cursor; every tag is read in full again after an hour.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/platform/node/sqliteStore.ts";
import { keys } from "../../src/store/keys.ts";
import { FULL_READ_EVERY_MS, SINCE_MARGIN_SECONDS, TagCursors } from "../../src/sync/tagCursors.ts";

const T0 = 1_800_000_000;

describe("tag cursors", () => {
  it("reads a tag in full first, then from the newest event seen less the margin", () => {
    const clock = { ms: T0 * 1000 };
    const c = new TagCursors(() => clock.ms);
    expect(c.since("a")).toBeUndefined();
    c.saw("a", [T0 - 50, T0 - 10, T0 - 30]);
    expect(c.since("a")).toBe(T0 - 10 - SINCE_MARGIN_SECONDS);
    // Nothing seen under another tag: still read in full.
    c.saw("b", []);
    expect(c.since("b")).toBeUndefined();
    // An older event later does not move the cursor back.
    c.saw("a", [T0 - 100]);
    expect(c.since("a")).toBe(T0 - 10 - SINCE_MARGIN_SECONDS);
  });

  it("never moves past an event left for a later sync, so the next catch-up still asks for it", () => {
    const clock = { ms: T0 * 1000 };
    const c = new TagCursors(() => clock.ms);
    // Read up to T0 - 10, but a commit from T0 - 7200 waits for its proposal.
    c.saw("a", [T0 - 10, T0 - 9000], T0 - 7200);
    expect(c.since("a")).toBe(T0 - 7200);
    // Once it is read, the cursor moves on.
    c.saw("a", [T0 - 7200, T0 - 10]);
    expect(c.since("a")).toBe(T0 - 10 - SINCE_MARGIN_SECONDS);
    // An unread event holds even a cursor that had moved past it.
    c.saw("a", [T0 - 5], T0 - 20_000);
    expect(c.since("a")).toBe(T0 - 20_000);
  });

  it("ignores times further ahead than relays accept, so one relay cannot make it skip another's events", () => {
    const clock = { ms: T0 * 1000 };
    const c = new TagCursors(() => clock.ms);
    c.saw("a", [T0 + 10 * 365 * 24 * 3600, T0 - 5]);
    expect(c.since("a")).toBe(T0 - 5 - SINCE_MARGIN_SECONDS);
  });

  it("reads every tag in full again once an hour has passed", () => {
    const clock = { ms: T0 * 1000 };
    const c = new TagCursors(() => clock.ms);
    c.saw("a", [T0]);
    clock.ms += FULL_READ_EVERY_MS - 1;
    expect(c.since("a")).toBe(T0 - SINCE_MARGIN_SECONDS);
    clock.ms += 1;
    expect(c.since("a")).toBeUndefined();
  });
});

describe("tag cursors kept in the store", () => {
  it("a new process starts from where the last one stopped, for the tags still in use", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rally-cursors-"));
    try {
      const clock = { ms: T0 * 1000 };
      const store = openSqliteStore(join(dir, "a.db"));
      const first = new TagCursors(() => clock.ms);
      await first.load(store);
      first.saw("a", [T0 - 10]);
      first.saw("gone", [T0 - 20]);
      await first.save(store, new Set(["a"]));
      const second = new TagCursors(() => clock.ms);
      await second.load(store);
      expect(second.since("a")).toBe(T0 - 10 - SINCE_MARGIN_SECONDS);
      expect(second.since("gone")).toBeUndefined();
      // The hourly full read is kept across processes too.
      clock.ms += FULL_READ_EVERY_MS;
      const third = new TagCursors(() => clock.ms);
      await third.load(store);
      expect(third.since("a")).toBeUndefined();
      // A damaged record counts as none.
      await store.batch([{ op: "put", key: keys.tagCursors, value: "garbage" }]);
      const fourth = new TagCursors(() => clock.ms);
      await fourth.load(store);
      expect(fourth.since("a")).toBeUndefined();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

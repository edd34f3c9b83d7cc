/**
 * Where catching up with a routing tag starts (sync/tagCursors.ts): in full the first time, then
 * from the newest event seen less the margin; a time past the relays' allowance for clocks ahead
 * never moves a cursor; every tag is read in full again after an hour.
 */
import { describe, expect, it } from "vitest";
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

import type { ChatMessage, ChatNotice } from "@rally/client";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChatLine, chatRows, mergeMessages } from "../src/screens/group/chatRows.ts";

function message(id: string, author: string, createdAt: number, text = id): ChatMessage {
  return {
    id,
    author,
    authorName: author,
    text,
    createdAt,
    replyTo: null,
    reactions: [],
    deleted: false,
    state: "sent",
  };
}

function notice(id: string, createdAt: number, epoch: number, text = id): ChatNotice {
  return {
    type: "notice",
    id,
    commit: id,
    createdAt,
    epoch,
    notice: "removed",
    actor: "npub1alice",
    actorName: "Alice",
    subject: "npub1bob",
    subjectName: "Bob",
    value: null,
    text,
  };
}

describe("chat rows", () => {
  it("shows the author once per run and separates days", () => {
    const base = new Date(2026, 4, 1, 10, 0).getTime() / 1000;
    const rows = chatRows([
      message("a", "alice", base),
      message("b", "alice", base + 60),
      message("c", "bob", base + 120),
      message("d", "bob", base + 120 + 6 * 60),
      message("e", "bob", base + 86_400),
    ]);
    expect(
      rows.map((r) =>
        r.kind === "day"
          ? `day ${r.day}`
          : r.kind === "message"
            ? `${r.key}${r.showAuthor ? "+" : ""}`
            : r.key,
      ),
    ).toEqual(["day 2026-05-01", "a+", "b", "c+", "d+", "day 2026-05-02", "e+"]);
  });

  it("merges pages in any order into one sorted list without duplicates", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), t: fc.nat(1000) }), {
          selector: (r) => r.id,
          maxLength: 60,
        }),
        fc.nat(60),
        (records, cut) => {
          const all = records.map((r) => message(r.id, "x", r.t));
          const pageA = all.slice(0, cut);
          const pageB = all.slice(Math.max(0, cut - 5));
          const merged = mergeMessages(mergeMessages([], pageB), pageA);
          expect(merged.map((m) => m.id).sort()).toEqual(all.map((m) => m.id).sort());
          for (let i = 1; i < merged.length; i++) {
            const a = merged[i - 1]!;
            const b = merged[i]!;
            expect(a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id)).toBe(true);
          }
        },
      ),
    );
  });

  it("lets a fresh copy replace the loaded one (a pending message becomes sent)", () => {
    const pending = { ...message("a", "me", 1), state: "pending" as const };
    const merged = mergeMessages([pending], [message("a", "me", 1)]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.state).toBe("sent");
  });

  it("shows a notice as a row of its own, after which the next message names its author again", () => {
    const base = new Date(2026, 4, 1, 10, 0).getTime() / 1000;
    const lines: ChatLine[] = [
      message("a", "alice", base),
      notice("n", base + 10, 4, "Alice removed Bob"),
      message("b", "alice", base + 20),
    ];
    const rows = chatRows(lines);
    expect(rows.map((r) => (r.kind === "message" ? `${r.key}${r.showAuthor ? "+" : ""}` : r.key))).toEqual([
      "day:2026-05-01",
      "a+",
      "notice:n",
      "b+",
    ]);
    const row = rows[2];
    expect(row?.kind === "notice" && row.notice.text).toBe("Alice removed Bob");
  });

  it("orders a notice within its second by epoch: earlier-epoch messages before it, its own after", () => {
    const lines: ChatLine[] = [
      { ...message("z", "a", 5), type: "message", epoch: 3 },
      { ...message("y", "a", 5), type: "message", epoch: 4 },
      notice("n", 5, 4),
      message("x", "a", 4),
    ];
    expect(mergeMessages([], lines).map((l) => l.id)).toEqual(["x", "z", "n", "y"]);
    // Without an epoch (just sent, not read back yet) a message goes after the notices of its second.
    expect(mergeMessages([], [message("a", "a", 5), notice("n", 5, 4)]).map((l) => l.id)).toEqual(["n", "a"]);
  });

  it("keeps messages of one second in the order they were sent (their ms), whatever their ids", () => {
    const sent = ["1. chairs", "2. tables", "3. food"].map((text, i) => ({
      ...message(["c", "a", "b"][i]!, "alice", 7, text),
      ms: 100 + i,
    }));
    const pages = [[sent[2]!], [sent[0]!, sent[1]!]];
    const merged = mergeMessages(mergeMessages([], pages[0]!), pages[1]!);
    expect(merged.map((m) => m.text)).toEqual(["1. chairs", "2. tables", "3. food"]);
    // With a notice of that second: by epoch first, then as sent.
    const lines: ChatLine[] = [
      { ...sent[2]!, type: "message", epoch: 4 },
      { ...sent[0]!, type: "message", epoch: 4 },
      notice("n", 7, 4),
      { ...sent[1]!, type: "message", epoch: 3 },
    ];
    expect(mergeMessages([], lines).map((l) => l.id)).toEqual(["a", "n", "c", "b"]);
  });

  it("drops a loaded notice that a fresh newest page no longer holds (its change was undone)", () => {
    const loaded: ChatLine[] = [notice("old", 1, 2), message("m", "a", 2), notice("undone", 3, 3)];
    const fresh: ChatLine[] = [message("m", "a", 2), message("k", "a", 4)];
    expect(mergeMessages(loaded, fresh, 2).map((l) => l.id)).toEqual(["old", "m", "k"]);
    // Without `from` (an older page), nothing loaded is dropped.
    expect(mergeMessages(loaded, fresh).map((l) => l.id)).toEqual(["old", "m", "undone", "k"]);
  });
});

import type { ChatMessage } from "@rally/client/api.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chatRows, mergeMessages } from "../src/screens/group/chatRows.ts";

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
      rows.map((r) => (r.kind === "day" ? `day ${r.day}` : `${r.key}${r.showAuthor ? "+" : ""}`)),
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
});

import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { applyOutcome, housekeeping, newEntry, type OutboxEntry } from "../../src/net/outboxSchedule.ts";
import { refusalInWords } from "../../src/net/refusals.ts";

const sk = generateSecretKey();
const ev = (n: number) =>
  finalizeEvent({ kind: 445, created_at: 1_700_000_000 + n, tags: [], content: `c${n}` }, sk);
const A = "ws://a.example/";
const B = "wss://b.example/";

function refusedWith(messages: Record<string, string>, n = 1): OutboxEntry {
  let e = newEntry(ev(n), Object.keys(messages), { now: 0 });
  for (const [url, message] of Object.entries(messages)) {
    e = applyOutcome(e, url, { ok: false, status: "rejected", message }, 1, undefined, () => 0);
  }
  return e;
}

describe("refusalInWords", () => {
  it("says which relay refused and why, without the machine prefix", () => {
    expect(refusalInWords(refusedWith({ [A]: "invalid: event too large (22300 bytes; limit 10000)" }))).toBe(
      "ws://a.example said: event too large (22300 bytes; limit 10000)",
    );
    expect(
      refusalInWords(refusedWith({ [A]: "blocked: you are banned", [B]: "restricted: members only" })),
    ).toBe("ws://a.example blocks it: you are banned; wss://b.example does not allow it: members only");
    expect(refusalInWords(refusedWith({ [A]: "pow: difficulty 20 needed" }))).toBe(
      "ws://a.example asks for proof of work, which Rally does not do: difficulty 20 needed",
    );
    expect(refusalInWords(refusedWith({ [A]: "invalid:" }))).toBe("ws://a.example said it is not valid");
  });

  it("quotes at most 300 characters of a relay's words", () => {
    const words = refusalInWords(refusedWith({ [A]: `blocked: ${"x".repeat(5000)}` }));
    expect(words).toBe(`ws://a.example blocks it: ${"x".repeat(300)}…`);
  });

  it("an entry that failed waiting for a refused one says so", () => {
    const commit = refusedWith({ [A]: "invalid: bad" });
    const welcome = newEntry(ev(2), [A], { now: 0, after: [commit.id] });
    const [failed] = housekeeping([commit, welcome], 2).updated;
    expect(failed?.state).toBe("failed");
    expect(refusalInWords(failed as OutboxEntry)).toBe(
      "it waited for an earlier change to the group that every relay refused",
    );
  });
});

/**
 * The client side of NIP-77 sync on bad input: records it cannot carry, and a relay that answers
 * with something other than a well-formed NEG-MSG. (Against the real relay: tests/relay/negentropyClient.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { type EventId, negentropySync } from "../../src/nostr/index.ts";

const id = (n: number) => n.toString(16).padStart(64, "0") as EventId;

/** Runs a sync whose relay answers each frame with the next of `answers`; returns it and the frames sent. */
async function against(answers: unknown[][], records = [{ id: id(1), created_at: 1_700_000_000 }]) {
  const sent: unknown[][] = [];
  const result = await negentropySync({
    subId: "s",
    filter: { kinds: [445] },
    records,
    send: (f) => sent.push(JSON.parse(f) as unknown[]),
    receive: async () => answers.shift() ?? ["NEG-ERR", "s", "closed: no more answers"],
  });
  return { result, sent };
}

describe("negentropySync (client side) on bad input", () => {
  it("opens with the filter and a hex message, and closes when done", async () => {
    const { result, sent } = await against([["NEG-MSG", "s", "61"]]);
    expect(result).toEqual({ ok: true, value: { need: [], have: [], rounds: 1 } });
    expect(sent[0]?.slice(0, 3)).toEqual(["NEG-OPEN", "s", { kinds: [445] }]);
    expect(sent[0]?.[3]).toMatch(/^61[0-9a-f]*$/);
    expect(sent.at(-1)).toEqual(["NEG-CLOSE", "s"]);
  });

  it("reports the relay's refusal with its reason", async () => {
    const { result } = await against([["NEG-ERR", "s", "blocked: too many records to sync (limit 10)"]]);
    expect(result).toEqual({
      ok: false,
      error: { kind: "refused", message: "blocked: too many records to sync (limit 10)" },
    });
  });

  it("refuses a malformed or unexpected answer, and closes the sync", async () => {
    for (const answer of [
      ["NEG-MSG", "s", "zz"],
      ["NEG-MSG", "s", "6101"],
      ["NEG-MSG", "s", "00"],
      ["NEG-MSG", "s"],
      ["NEG-MSG", "other", "61"],
      ["EVENT", "s", {}],
    ]) {
      const { result, sent } = await against([answer]);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.kind).toBe("protocol");
      expect(sent.at(-1)).toEqual(["NEG-CLOSE", "s"]);
    }
  });

  it("refuses records it cannot carry; a repeated record counts once", async () => {
    const far = await against([], [{ id: id(1), created_at: 2 ** 31 }]);
    expect(far.result.ok).toBe(false);
    const badId = await against([], [{ id: "xyz" as EventId, created_at: 1 }]);
    expect(badId.result.ok).toBe(false);
    if (!badId.result.ok) expect(badId.result.error.message).toMatch(/not 64 hex digits/);
    const twice = await against(
      [["NEG-MSG", "s", "61"]],
      [
        { id: id(1), created_at: 5 },
        { id: id(1), created_at: 5 },
      ],
    );
    expect(twice.result.ok).toBe(true);
  });
});

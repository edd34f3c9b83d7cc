// Which request a device link answers when its person types a code: one request, none, or two
// requests with one code (someone who held the link tried keys until theirs gave the same code).
import { describe, expect, it } from "vitest";
import { type Ask, pickAsk } from "../../src/sync/linkAsks.ts";

const ask = (requester: string, code: string, name = "Phone"): { ask: Ask } => ({
  ask: { requester: requester.repeat(64), name, code },
});

describe("picking the request a code confirms", () => {
  it("answers the one request with the code, whatever else asked", () => {
    const mine = ask("a", "482 915");
    const stranger = ask("b", "100 200");
    expect(pickAsk([stranger, mine], "482 915")).toEqual({ kind: "one", match: mine });
  });

  it("answers nobody for a code no request has", () => {
    expect(pickAsk([ask("a", "482 915")], "482 916")).toEqual({ kind: "none" });
    expect(pickAsk([], "482 915")).toEqual({ kind: "none" });
  });

  it("answers nobody when two devices asked with the code, in either order", () => {
    const mine = ask("a", "482 915");
    const forged = ask("b", "482 915", "Phone");
    for (const list of [
      [mine, forged],
      [forged, mine],
    ]) {
      const choice = pickAsk(list, "482 915");
      expect(choice.kind).toBe("twice");
      expect(choice.kind === "twice" && choice.matches).toHaveLength(2);
    }
  });

  it("counts one device asking twice once", () => {
    const mine = ask("a", "482 915");
    expect(pickAsk([mine, ask("a", "482 915")], "482 915")).toEqual({ kind: "one", match: mine });
  });
});

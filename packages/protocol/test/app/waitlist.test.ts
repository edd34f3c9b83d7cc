import { describe, expect, test } from "vitest";
import { type QueuedParty, seat } from "../../src/app/index.ts";

const party = (pubkey: string, since: number, guests = 0, sinceId = pubkey): QueuedParty => ({
  pubkey,
  guests,
  since,
  sinceId,
});

const names = (list: QueuedParty[]) => list.map((p) => p.pubkey);

describe("capacity and the fair waitlist", () => {
  test("no capacity: everyone is seated in queue order", () => {
    const s = seat([party("b", 2), party("a", 1, 3)], null);
    expect(names(s.seated)).toEqual(["a", "b"]);
    expect(s.seatsTaken).toBe(5);
  });

  test("seats count guests; later parties wait in order", () => {
    const s = seat([party("c", 3), party("a", 1, 1), party("b", 2), party("d", 4)], 3);
    expect(names(s.seated)).toEqual(["a", "b"]);
    expect(names(s.waitlist)).toEqual(["c", "d"]);
    expect(s.seatsTaken).toBe(3);
  });

  test("nobody overtakes: a small party behind a big one that does not fit waits too", () => {
    const s = seat([party("a", 1), party("big", 2, 2), party("small", 3)], 3);
    expect(names(s.seated)).toEqual(["a"]);
    expect(names(s.waitlist)).toEqual(["big", "small"]);
  });

  test("a party larger than the whole capacity waits without blocking", () => {
    const s = seat([party("a", 1), party("huge", 2, 10), party("b", 3)], 3);
    expect(names(s.seated)).toEqual(["a", "b"]);
    expect(names(s.waitlist)).toEqual(["huge"]);
  });

  test("ties on time are broken by the answer id", () => {
    const s = seat([party("x", 5, 0, "bb"), party("y", 5, 0, "aa")], 1);
    expect(names(s.seated)).toEqual(["y"]);
    expect(names(s.waitlist)).toEqual(["x"]);
  });
});

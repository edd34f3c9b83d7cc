/**
 * Change notices say what changed (sync/changeKinds.ts): an answer to an event is announced as
 * "events", a chat message as "chat", a name as "names" — over a real relay, as a screen hears them.
 * And one RSVP rule for every front end: guests come only with "going", within one limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeKind } from "../../src/api.ts";
import { changeKindsOf } from "../../src/group/changeKinds.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { groupWith, npubOf, person, startWorld, stopWorld, type World } from "../world.ts";

describe("change kinds of incoming inner messages (pure)", () => {
  it("names the data each kind changes, each once, a deletion as all it may remove", () => {
    expect(changeKindsOf([9, 7, 9])).toEqual(["chat"]);
    expect(changeKindsOf([31923, 31925, 1925, 1926])).toEqual(["events"]);
    expect(changeKindsOf([1068, 1018])).toEqual(["polls"]);
    expect(changeKindsOf([0])).toEqual(["names"]);
    expect(changeKindsOf([5])).toEqual(["chat", "events", "polls"]);
    expect(changeKindsOf([])).toEqual([]);
  });
});

let w: World;

beforeAll(async () => {
  w = await startWorld("change-kinds");
}, 600_000);

afterAll(async () => {
  await stopWorld(w);
});

/** The change notices `c` emits for group `g` while `act` runs. */
async function noticesDuring(c: Rally, g: string, act: () => Promise<unknown>): Promise<ChangeKind[]> {
  const heard = new Set<ChangeKind>();
  const off = c.onChange((what) => {
    if (what.group === g) heard.add(what.kind);
  });
  try {
    await act();
  } finally {
    off();
  }
  return [...heard].sort();
}

describe("over a real relay", { timeout: 300_000 }, () => {
  it("an answer is news for events, a message for chat, a new name for names; guests only with going", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const g = await groupWith(alice, [bob], "Allotment");
    const event = await alice.createEvent(g, { title: "Dig day", start: "2027-04-10T10:00:00Z", tz: "UTC" });
    await alice.deliver(8_000);
    await bob.sync();

    // Guests asked for with "maybe" are left out; the answer itself is taken.
    expect(await bob.rsvp(g, event.id, "maybe", 2)).toEqual({ status: "maybe", guests: 0, guestsLeftOut: 2 });
    await bob.deliver(8_000);
    const heard = await noticesDuring(alice, g, () => alice.sync());
    expect(heard).toContain("events");
    expect(heard).not.toContain("chat");
    const [seen] = await alice.events(g);
    expect(seen!.rsvps.maybe).toEqual([await npubOf(bob)]);
    expect(seen!.guests).toEqual({});

    expect(await bob.rsvp(g, event.id, "going", 2)).toEqual({ status: "going", guests: 2, guestsLeftOut: 0 });
    await expect(bob.rsvp(g, event.id, "going", 101)).rejects.toMatchObject({ code: "bad-input" });
    await expect(bob.rsvp(g, event.id, "perhaps" as "going")).rejects.toMatchObject({
      code: "bad-input",
      message: 'An answer is going, maybe or declined, not "perhaps".',
    });
    await bob.deliver(8_000);
    await alice.sync();

    await bob.sendChat(g, "See you there");
    await bob.deliver(8_000);
    const chat = await noticesDuring(alice, g, () => alice.sync());
    expect(chat).toContain("chat");
    expect(chat).not.toContain("events");

    await bob.setName("Robert");
    await bob.deliver(8_000);
    const names = await noticesDuring(alice, g, () => alice.sync());
    expect(names).toContain("names");
    expect(names).not.toContain("chat");
    expect((await alice.members(g)).find((m) => m.npub === (seen!.rsvps.maybe[0] ?? ""))?.name).toBe(
      "Robert",
    );
  });
});

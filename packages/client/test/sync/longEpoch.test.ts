/**
 * Catching up with a long epoch through a relay that caps what one request returns (here 150
 * events, as relays do: Rally's at 5,000, strfry's at 500): the device reads the tag page by page
 * back in time, so it gets every message, not only the newest 150 — and a later round, starting
 * from the newest event seen, does not lose any either.
 */
import { describe, expect, it } from "vitest";
import { groupWith, person, useWorld } from "../world.ts";

const w = useWorld("long-epoch", ["--max-limit", "150"]);

describe("a long epoch through a relay that caps each request", { timeout: 300_000 }, () => {
  it("a member who was away reads all 400 messages in one sync, and the next ones after", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const g = await groupWith(alice, [bob], "Long");
    for (let i = 0; i < 400; i++) await alice.sendChat(g, `message ${i}`);
    await alice.deliver(30_000);
    await bob.sync();
    const texts = (await bob.chat(g)).map((m) => m.text);
    expect(texts.filter((t) => t.startsWith("message ")).length).toBe(400);
    for (let i = 0; i < 3; i++) await alice.sendChat(g, `more ${i}`);
    await alice.deliver(8_000);
    await bob.sync();
    expect((await bob.chat(g, { limit: 3 })).map((m) => m.text).sort()).toEqual([
      "more 0",
      "more 1",
      "more 2",
    ]);
  });
});

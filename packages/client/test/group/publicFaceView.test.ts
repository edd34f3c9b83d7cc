/**
 * What an admin's screens read of a group's public face (`publicFace`): nothing before it is on,
 * then its page and profile, each published event with the page `publishEvent` gave, nothing once
 * unpublished, and "off" after it is turned off; a plain member's device holds no face.
 */
import { describe, expect, it } from "vitest";
import { groupWith, person, useWorld } from "../world.ts";

const w = useWorld("public-face-view");

describe("publicFace", () => {
  it("says what is public, as publishing and turning off change it", { timeout: 120_000 }, async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const g = { id: await groupWith(alice, [bob], "Choir") };
    expect(await alice.publicFace(g.id)).toBeNull();

    const face = await alice.setPublicFace(g.id, { name: "Kreuzberg Choir", about: "We sing." });
    const event = await alice.createEvent(g.id, {
      title: "Open rehearsal",
      start: "2031-06-10T17:00:00Z",
      tz: "Europe/Berlin",
    });
    const other = await alice.createEvent(g.id, { title: "Members only", start: "2031-06-11T17:00:00Z" });
    expect(await alice.publicFace(g.id)).toEqual({
      on: true,
      npub: face.npub,
      url: face.url,
      profile: { name: "Kreuzberg Choir", about: "We sing." },
      events: [],
    });

    const page = await alice.publishEvent(g.id, event.id);
    const view = await alice.publicFace(g.id);
    expect(view?.events).toEqual([{ event: event.id, naddr: page.naddr, url: page.url }]);
    expect(view?.events.map((e) => e.event)).not.toContain(other.id);

    await alice.unpublishEvent(g.id, event.id);
    expect((await alice.publicFace(g.id))?.events).toEqual([]);

    await alice.publishEvent(g.id, event.id);
    await alice.setPublicFace(g.id, { off: true });
    const off = await alice.publicFace(g.id);
    expect(off?.on).toBe(false);
    expect(off?.events).toEqual([]);
    // The face's key is sealed to admins only: a plain member's device has none to show.
    await bob.sync();
    expect((await bob.groups()).map((x) => x.id)).toContain(g.id);
    expect(await bob.publicFace(g.id)).toBeNull();
  });
});

// A revoked device's key package slot is emptied by a newer event; a relay that missed the empty
// one still serves the old key package. Inviting the person reads both relays and adds only the
// devices whose slot's newest event is a key package: the revoked device stays out.
import { KIND_KEY_PACKAGE } from "@rally/protocol/nostr";
import type { NostrEvent } from "nostr-tools/core";
import { finalizeEvent } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../../../../tests/helpers/relay.ts";
import { npubOf, person, pubkeyOf, useWorld } from "../world.ts";
import { devicesIn, moreDevices } from "./otherDevices.ts";

const w = useWorld("withdrawn-key-package");
let other: RelayHandle;
beforeAll(async () => {
  other = await startRelay();
}, 60_000);
afterAll(async () => {
  await other?.stop();
});

describe("a withdrawn key package on a relay that missed the withdrawal", { timeout: 120_000 }, () => {
  it("is not used: the person's revoked device is not added", async () => {
    const ana = await person(w, "Ana");
    const ben = await person(w, "Ben");
    const benPk = await pubkeyOf(ben);
    await moreDevices(ben, w.relay.url, 1); // a tablet of Ben's, revoked below
    const { events } = await ben.core.transport.fetch(
      ben.core.transport.anonymous,
      [w.relay.url],
      [{ kinds: [KIND_KEY_PACKAGE], authors: [benPk] }],
    );
    const current = (await ben.core.store.get<{ current: string }>("device"))?.current;
    const tablet = events.find((e) => e.id !== current) as NostrEvent;
    expect(tablet).toBeDefined();
    // Both key packages reach the second relay; the empty one, later, only the first.
    for (const e of events) await ben.core.transport.publishNow(e, [other.url]);
    const slot = tablet.tags.find((t) => t[0] === "d")?.[1] as string;
    const empty = finalizeEvent(
      { kind: KIND_KEY_PACKAGE, created_at: tablet.created_at + 1, tags: [["d", slot], ["-"]], content: "" },
      ben.core.requireSecrets().secretKey,
    ) as NostrEvent;
    await ben.core.transport.publishNow(empty, [w.relay.url]);

    const g = await ana.createGroup({ name: "Choir", relays: [w.relay.url, other.url] });
    const outcome = await ana.invite(g.id, await npubOf(ben));
    expect(outcome).toEqual({ devices: 1, waiting: 0, unusable: [] });
    expect(await devicesIn(ana, g.id, benPk)).toBe(1);
  });
});

/**
 * The Syncer (sync/syncer.ts) over a real relay: a round catches a device up and callers at the same
 * time share it; a commit settles right after it is made (and stays pending while no relay takes
 * it); the live loop picks up what others send, stops, and starts again cleanly (stopping ends the
 * loop, not the connections: only closing the client does that).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeListener } from "../../src/api.ts";
import { normalizeRelayUrl } from "../../src/net/relayUrl.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { chatTexts, groupWith, person, startWorld, stopWorld, type World } from "../world.ts";

let w: World;
let alice: Rally;
let bob: Rally;
let group: string;

beforeAll(async () => {
  w = await startWorld("syncer");
  alice = await person(w, "Alice");
  bob = await person(w, "Bob");
  group = await groupWith(alice, [bob], "Syncer");
}, 300_000);

afterAll(() => stopWorld(w));

/** Resolves once `client` shows `text` in the group's chat, checked at each change it announces. */
function arrives(client: Rally, text: string): Promise<void> {
  return new Promise((resolve) => {
    let off = () => {};
    const check: ChangeListener = () => {
      void chatTexts(client, group).then((texts) => {
        if (texts.includes(text)) {
          off();
          resolve();
        }
      });
    };
    off = client.onChange(check);
    check({ kind: "chat", group });
  });
}

describe("Syncer", { timeout: 120_000 }, () => {
  it("catches a device up in one round, and callers at the same time share that round", async () => {
    await alice.sendChat(group, "while Bob was away");
    await alice.deliver(8_000);
    expect(await chatTexts(bob, group)).not.toContain("while Bob was away");

    const first = bob.syncer.sync();
    const second = bob.syncer.sync();
    expect(second).toBe(first);
    const report = await first;
    expect(report.received).toBeGreaterThanOrEqual(1);
    expect(report.relays).toContainEqual({ url: normalizeRelayUrl(w.relay.url), connected: true });
    expect(await chatTexts(bob, group)).toContain("while Bob was away");

    // Nothing new: the next round receives nothing and sends nothing.
    const again = await bob.syncer.sync();
    expect(again).toMatchObject({ received: 0, sent: 0, pendingOutbox: 0, failed: 0 });
  });

  it("settles a commit right after it is made: read back, no longer pending, seen by the others", async () => {
    await alice.core.exclusive(async () => {
      await alice.groupsSvc.propose(group, { type: "data", patch: { name: "Syncer, renamed" } });
      expect((await alice.groupsSvc.record(group)).pending).not.toBeNull();
      await alice.syncer.settle(group);
    });
    const rec = await alice.groupsSvc.record(group);
    expect(rec.pending).toBeNull();
    expect(rec.name).toBe("Syncer, renamed");
    await bob.syncer.sync();
    expect((await bob.groupsSvc.record(group)).name).toBe("Syncer, renamed");
  });

  it("leaves a commit pending while no relay takes it; the next round does not lose it", async () => {
    const offline = await alice.createGroup({ name: "Nowhere", relays: ["ws://127.0.0.1:9"] });
    await alice.core.exclusive(async () => {
      await alice.groupsSvc.propose(offline.id, { type: "data", patch: { name: "Nowhere 2" } });
      await alice.syncer.settle(offline.id, 300);
    });
    const rec = await alice.groupsSvc.record(offline.id);
    expect(rec.pending).not.toBeNull();
    const entry = await alice.core.transport.outbox.get(rec.pending?.eventId ?? "");
    expect(entry?.state).toBe("pending");
    const report = await alice.syncer.deliver(300);
    expect(report.pending).toBeGreaterThanOrEqual(1);
    expect(report.unreachable.map((u) => u.url)).toContain(normalizeRelayUrl("ws://127.0.0.1:9"));
  });

  it("runs live: picks up a new message, stops, and starts again cleanly", async () => {
    expect(bob.syncer.running).toBe(false);
    await bob.start();
    expect(bob.syncer.running).toBe(true);
    expect(bob.core.live).toBe(true);
    // start() twice is one live loop.
    await bob.start();

    const first = arrives(bob, "live one");
    await alice.sendChat(group, "live one");
    await alice.deliver(8_000);
    await first;

    await bob.stop();
    expect(bob.syncer.running).toBe(false);
    expect(bob.core.live).toBe(false);

    await bob.start();
    const second = arrives(bob, "live two");
    await alice.sendChat(group, "live two");
    await alice.deliver(8_000);
    await second;
    await bob.stop();
    expect(bob.syncer.running).toBe(false);
  });
});

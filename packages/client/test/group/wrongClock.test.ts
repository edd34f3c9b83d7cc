/**
 * Devices whose clock is wrong, over a real relay (which refuses events dated more than 15 minutes
 * ahead of its own clock): a device learns the relays' time from their NIP-11 answers and stamps
 * with it, so a clock 20 minutes fast loses nothing (chat, an invitation: an MLS commit and a
 * gift-wrapped welcome) and a clock 2 hours slow files nothing two hours back; a message stamped
 * before the time was learned is refused, stays pending (never "sent"), and goes out stamped again
 * with the next sync once the offset is learned or the clock is set right.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { NostrEvent } from "nostr-tools/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTimeRefusal, type OutboxEntry } from "../../src/net/outboxSchedule.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { freePort, startRelay } from "../net/helpers.ts";
import { acceptAll, npubOf, person, stopWorld, type World } from "../world.ts";

const MIN = 60_000;
/**
 * How close a learned time is to the relay's, in seconds: an HTTP `Date` has whole seconds, so
 * the estimate may put a device's second one off its neighbours'.
 */
const SECOND = 1;
let w: World;
let port: number;
let relayData: string;

const relayOnPort = () =>
  startRelay({ dataDir: relayData, ownData: true, keepData: true, args: ["--port", String(port)] });

beforeAll(async () => {
  port = await freePort();
  relayData = fs.mkdtempSync(path.join(os.tmpdir(), "rally-clock-relay-"));
  w = {
    relay: await relayOnPort(),
    root: fs.mkdtempSync(path.join(os.tmpdir(), "rally-wrong-clock-")),
    clock: { offsetMs: 0 },
    clients: [],
  };
}, 120_000);

afterAll(async () => {
  await stopWorld(w);
  fs.rmSync(relayData, { recursive: true, force: true });
});

/** Every event a device puts in its outbox (and every version it stamps again), as queued. */
function watchOutbox(c: Rally) {
  const events: NostrEvent[] = [];
  const changes: OutboxEntry[] = [];
  c.core.transport.outbox.onChange((change) => {
    if (change.removed) return;
    changes.push(change.entry);
    if (!events.some((e) => e.id === change.entry.event.id)) events.push(change.entry.event);
  });
  return { events, changes };
}

async function chatTexts(c: Rally, group: string) {
  return (await c.chat(group)).map((m) => ({ text: m.text, createdAt: m.createdAt }));
}

/** One message sent and delivered; returns the time the sender's client gave it. */
async function say(c: Rally, group: string, text: string): Promise<number> {
  const m = await c.sendChat(group, text);
  const report = await c.deliver(8_000);
  expect(report.pending, `"${text}" waits`).toBe(0);
  return m.createdAt;
}

describe("a device whose clock is wrong", { timeout: 300_000 }, () => {
  it("20 minutes fast: its chat and its invitation get through, stamped with the relay's time, in their place", async () => {
    const alice = await person(w, "Alice", { offsetMs: 20 * MIN });
    const seen = watchOutbox(alice);
    const bob = await person(w, "Bob");
    const offset = await alice.clockOffset();
    expect(offset?.relays).toBe(1);
    expect(Math.abs((offset?.seconds ?? 0) - 1_200)).toBeLessThanOrEqual(5);
    expect((await bob.clockOffset())?.seconds).toBe(0);

    // The invitation: an MLS commit, then a gift-wrapped welcome that waits for it.
    const g = await alice.createGroup({ name: "Choir" });
    await alice.invite(g.id, await npubOf(bob));
    expect((await alice.deliver(8_000)).pending).toBe(0);
    await acceptAll(bob);
    expect((await bob.groups()).map((x) => x.id)).toContain(g.id);
    await alice.sync();

    const before = await say(bob, g.id, "one");
    await say(alice, g.id, "two");
    const after = await say(bob, g.id, "three");
    await bob.sync();
    // In their place: at or after "one" and at or before "three" (messages of one second are
    // ordered by id), where a stamp 20 minutes ahead would put it after anything Bob writes next.
    const onBob = await chatTexts(bob, g.id);
    expect(onBob.map((m) => m.text).sort()).toEqual(["one", "three", "two"]);
    const two = onBob.find((m) => m.text === "two");
    expect(two?.createdAt).toBeGreaterThanOrEqual(before - SECOND);
    expect(two?.createdAt).toBeLessThanOrEqual(after + SECOND);
    // Everything Alice's device stamped — commit, welcome, chat — sits inside the relay's window
    // as Bob's right clock sees it (gift wraps take NIP-59's random times in the past).
    const bobNow = bob.core.now();
    expect(seen.events.length).toBeGreaterThanOrEqual(3);
    for (const e of seen.events) expect(e.created_at, `kind ${e.kind}`).toBeLessThanOrEqual(bobNow + 60);
    expect(seen.events.filter((e) => e.kind === 445).every((e) => e.created_at >= before - 60)).toBe(true);
    // Nothing was refused for its time: it was stamped right the first time.
    expect(seen.changes.some((e) => Object.values(e.relays).some((d) => isTimeRefusal(d.message)))).toBe(
      false,
    );
  });

  it("2 hours slow: what it sends is stamped at the relay's time", async () => {
    const carol = await person(w, "Carol");
    const dave = await person(w, "Dave", { offsetMs: -120 * MIN });
    const seen = watchOutbox(dave);
    const offset = await dave.clockOffset();
    expect(Math.abs((offset?.seconds ?? 0) + 7_200)).toBeLessThanOrEqual(5);

    const g = await carol.createGroup({ name: "Allotment" });
    await carol.invite(g.id, await npubOf(dave));
    await acceptAll(dave);
    await carol.sync();
    const before = await say(carol, g.id, "before");
    const sent = await say(dave, g.id, "from the slow clock");
    const after = await say(carol, g.id, "after");
    expect(sent).toBeGreaterThanOrEqual(before - SECOND);
    expect(sent).toBeLessThanOrEqual(after + SECOND);
    await carol.sync();
    // Filed between Carol's two messages, not two hours back (nor at the start of its epoch).
    const slow = (await chatTexts(carol, g.id)).find((m) => m.text === "from the slow clock");
    expect(slow?.createdAt).toBeGreaterThanOrEqual(before - SECOND);
    expect(slow?.createdAt).toBeLessThanOrEqual(after + SECOND);
    const chat = seen.events.filter((e) => e.kind === 445);
    expect(chat.length).toBeGreaterThanOrEqual(1);
    for (const e of chat) {
      expect(e.created_at).toBeGreaterThanOrEqual(before - 60);
      expect(e.created_at).toBeLessThanOrEqual(after + 60);
    }
  });

  it("20 minutes fast before it learned so: refused, never sent, delivered by the next sync", async () => {
    const erinClock = { offsetMs: 0 };
    const erin = await person(w, "Erin", erinClock);
    const frank = await person(w, "Frank");
    const g = await frank.createGroup({ name: "Bike repair" });
    await frank.invite(g.id, await npubOf(erin));
    await acceptAll(erin);
    await frank.sync();
    expect((await erin.clockOffset())?.seconds).toBe(0);
    const seen = watchOutbox(erin);

    // 1. The relay is down while Erin's clock jumps 20 minutes ahead: what she writes carries her
    //    clock's time, and waits.
    await w.relay.stop();
    erinClock.offsetMs = 20 * MIN;
    await erin.sendChat(g.id, "written with the clock wrong");
    const offline = await erin.deliver(2_000);
    expect(offline.sent).toBe(0);
    expect(offline.pending).toBeGreaterThanOrEqual(1);
    expect((await erin.chat(g.id)).find((m) => m.text === "written with the clock wrong")?.state).toBe(
      "pending",
    );

    // The relay is back: the next sync learns the offset, the old stamp is refused, and the
    // message goes out stamped again.
    w.relay = await relayOnPort();
    const back = await erin.sync();
    expect(back.sent).toBeGreaterThanOrEqual(1);
    expect(Math.abs(((await erin.clockOffset())?.seconds ?? 0) - 1_200)).toBeLessThanOrEqual(5);
    const refusedOnce = seen.changes.filter((e) =>
      Object.values(e.relays).some((d) => isTimeRefusal(d.message)),
    );
    expect(refusedOnce.length).toBeGreaterThanOrEqual(1);
    // While refused, it was pending: never done, never failed.
    expect(refusedOnce.every((e) => e.state === "pending")).toBe(true);
    await frank.sync();
    expect((await frank.chat(g.id)).map((m) => m.text)).toContain("written with the clock wrong");
    expect((await erin.chat(g.id)).find((m) => m.text === "written with the clock wrong")?.state).toBe(
      "sent",
    );

    // 2. Down again, and the clock jumps again (to 30 minutes fast): written, waiting. The clock is
    //    set right before the relay is back; the next sync sends it with the right time.
    await w.relay.stop();
    erinClock.offsetMs = 30 * MIN;
    await erin.sendChat(g.id, "written before the clock was set right");
    const waiting = await erin.deliver(2_000);
    expect(waiting.sent).toBe(0);
    erinClock.offsetMs = 0;
    w.relay = await relayOnPort();
    const fixed = await erin.sync();
    expect(fixed.sent).toBeGreaterThanOrEqual(1);
    expect((await erin.clockOffset())?.seconds).toBe(0);
    const refusals = seen.changes.filter((e) =>
      Object.values(e.relays).some((d) => isTimeRefusal(d.message)),
    );
    expect(refusals.length).toBeGreaterThan(refusedOnce.length);
    expect(refusals.every((e) => e.state === "pending")).toBe(true);
    await frank.sync();
    expect((await frank.chat(g.id)).map((m) => m.text)).toContain("written before the clock was set right");
    // The copies stamped again carry the relay's time; the first versions stay refused.
    const frankNow = frank.core.now();
    const chat = seen.events.filter((e) => e.kind === 445);
    expect(chat.filter((e) => e.created_at <= frankNow + 60).length).toBeGreaterThanOrEqual(2);
    expect(await erin.core.transport.outbox.list()).toEqual([]);
  });
});

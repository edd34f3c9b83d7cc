/**
 * Where a message is filed in the chat, over a real relay: no earlier than the start of the epoch
 * that carried it (the commit that began it, or joining it) and no later than its receipt plus
 * MAX_CLOCK_SKEW. A member whose clock runs two hours slow, or a hostile member dating a message a
 * year back, cannot put it above what was said before; one dated years ahead is still capped.
 */
import { buildChatMessage, MAX_CLOCK_SKEW } from "@rally/protocol/app";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatEntry } from "../../src/api.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { Hostile } from "../hostile/harness.ts";
import {
  acceptAll,
  groupWith,
  npubOf,
  person,
  pubkeyOf,
  startWorld,
  stopWorld,
  type World,
} from "../world.ts";

const HOUR_MS = 3600_000;
const YEAR = 365 * 24 * 3600;

let w: World;

beforeAll(async () => {
  w = await startWorld("message-times");
}, 600_000);

afterAll(async () => {
  await stopWorld(w);
});

/** A device whose clock runs `behindMs` behind the world's, wherever the world's clock is moved. */
function clockBehind(behindMs: number): { offsetMs: number } {
  return {
    get offsetMs() {
      return w.clock.offsetMs - behindMs;
    },
  };
}

/** Unix seconds on a device clock, as a client that stamps with its own clock reads it. */
const secondsOn = (clock: { offsetMs: number }): number => Math.floor((Date.now() + clock.offsetMs) / 1000);

async function syncAll(cs: Rally[]): Promise<void> {
  for (const c of cs) await c.sync();
}

/** The history's lines in order, as text ("notice:added:Carol" for a notice), and the entry with `text`. */
async function history(c: Rally, group: string) {
  const entries = await c.chatHistory(group);
  const lines = entries.map((e) =>
    e.type === "notice" ? `notice:${e.notice}:${e.subjectName ?? ""}` : `message:${e.text}`,
  );
  const message = (text: string): ChatEntry => {
    const found = entries.find((e) => e.type === "message" && e.text === text);
    if (!found) throw new Error(`no message "${text}" on this device`);
    return found;
  };
  const notice = (kind: string, subjectName: string | null = null): ChatEntry => {
    const found = entries.find(
      (e) => e.type === "notice" && e.notice === kind && e.subjectName === subjectName,
    );
    if (!found) throw new Error(`no "${kind}" notice on this device`);
    return found;
  };
  return { lines, message, notice };
}

/** When the group's current epoch began, as this device recorded it. */
async function epochStart(c: Rally, group: string): Promise<number> {
  const rec = await c.groupsSvc.record(group);
  const since = rec.keys.find((k) => k.epoch === rec.epoch)?.since;
  if (since === undefined) throw new Error("the device did not record when the epoch began");
  return since;
}

describe("a message is filed between its epoch's start and its receipt", { timeout: 300_000 }, () => {
  it("a member whose clock is two hours slow writes after Carol was added: filed after the change, not two hours back", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const slowClock = clockBehind(2 * HOUR_MS);
    const slow = await person(w, "Slow", slowClock);
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, slow], "Allotment");

    await alice.sendChat(g, "the shed key is under the pot");
    await alice.deliver(8_000);
    await bob.sync();
    w.clock.offsetMs += 1_000; // a second later: messages of one second are ordered by id
    await bob.sendChat(g, "thanks");
    await bob.deliver(8_000);

    // Two seconds later (the world's clock moves, Slow's with it), Alice adds Carol: a new epoch.
    w.clock.offsetMs += 2_000;
    await alice.invite(g, await npubOf(carol));
    await acceptAll(carol);
    await syncAll([alice, bob, slow, carol]);

    // Slow's device stamps the message with its own clock (as one that does not ask the relays
    // for the time would): two hours before anything else said in the group.
    const sorry = buildChatMessage({
      pubkey: await pubkeyOf(slow),
      createdAt: secondsOn(slowClock),
      text: "sorry, I'm late",
    });
    await slow.core.exclusive(() => slow.groupsSvc.sendRumor(g, sorry));
    await slow.deliver(8_000);
    await syncAll([alice, carol]);
    expect((await slow.groupsSvc.record(g)).epoch).toBe((await alice.groupsSvc.record(g)).epoch);
    expect(sorry.created_at).toBeLessThan(alice.core.now() - HOUR_MS / 1000);

    const onAlice = await history(alice, g);
    expect(onAlice.lines).toEqual([
      "notice:added:Bob",
      "notice:added:Slow",
      "message:the shed key is under the pot",
      "message:thanks",
      "notice:added:Carol",
      "message:sorry, I'm late",
    ]);
    const late = onAlice.message("sorry, I'm late");
    expect(late.createdAt).toBe(await epochStart(alice, g));
    expect(late.createdAt).toBe(onAlice.notice("added", "Carol").createdAt);
    expect(late.createdAt).toBeGreaterThan(onAlice.message("thanks").createdAt);
    expect(late.createdAt).toBeLessThanOrEqual(alice.core.now() + MAX_CLOCK_SKEW);

    // Carol reads nothing from before she joined: the message comes after "You joined".
    const onCarol = await history(carol, g);
    expect(onCarol.lines.slice(-1)).toEqual(["message:sorry, I'm late"]);
    const joined = onCarol.lines.findIndex((l) => l.startsWith("notice:joined:"));
    expect(joined).toBeGreaterThanOrEqual(0);
    expect(joined).toBeLessThan(onCarol.lines.indexOf("message:sorry, I'm late"));
    const seen = onCarol.message("sorry, I'm late");
    expect(seen.createdAt).toBe(await epochStart(carol, g));
    const joinedAt = (await carol.chatHistory(g)).find((e) => e.type === "notice" && e.notice === "joined");
    expect(seen.createdAt).toBeGreaterThanOrEqual(joinedAt?.createdAt ?? Number.POSITIVE_INFINITY);
    expect(seen.createdAt).toBeLessThanOrEqual(carol.core.now() + MAX_CLOCK_SKEW);

    // What Alice writes next comes after it everywhere (a second later, so no tie is broken by id).
    w.clock.offsetMs += 2_000;
    await alice.sendChat(g, "no worries");
    await alice.deliver(8_000);
    await syncAll([carol]);
    for (const c of [alice, carol]) {
      const { lines } = await history(c, g);
      expect(lines.indexOf("message:no worries")).toBeGreaterThan(lines.indexOf("message:sorry, I'm late"));
    }
  });

  it("a message dated years ahead is still capped at its receipt plus the skew", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const g = await groupWith(alice, [bob], "Choir");
    const bobPk = await pubkeyOf(bob);
    const pinned = buildChatMessage({
      pubkey: bobPk,
      createdAt: bob.core.now() + 100_000_000,
      text: "pinned",
    });
    await bob.core.exclusive(() => bob.groupsSvc.sendRumor(g, pinned));
    await bob.deliver(8_000);
    await alice.sync();
    const readBy = alice.core.now();
    const { message } = await history(alice, g);
    expect(message("pinned").createdAt).toBeLessThanOrEqual(readBy + MAX_CLOCK_SKEW);
    expect(message("pinned").createdAt).toBeGreaterThanOrEqual(await epochStart(alice, g));
  });

  it("a hostile member's message dated a year back is filed at the start of the epoch that carried it", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob], "Residents");
    await alice.sendChat(g, "meeting on Tuesday");
    await alice.deliver(8_000);

    w.clock.offsetMs += 2_000;
    await alice.invite(g, await npubOf(carol));
    await acceptAll(carol);
    const mallory = new Hostile(bob);
    await mallory.sync();
    await syncAll([alice, carol]);

    const backdated = buildChatMessage({
      pubkey: await pubkeyOf(bob),
      createdAt: bob.core.now() - YEAR,
      text: "I said so a year ago",
    });
    await mallory.send(g, backdated);
    await syncAll([alice, carol]);

    const onAlice = await history(alice, g);
    expect(onAlice.lines).toEqual([
      "notice:added:Bob",
      "message:meeting on Tuesday",
      "notice:added:Carol",
      "message:I said so a year ago",
    ]);
    expect(onAlice.message("I said so a year ago").createdAt).toBe(await epochStart(alice, g));
    const onCarol = await history(carol, g);
    expect(onCarol.lines.slice(-1)).toEqual(["message:I said so a year ago"]);
    expect(onCarol.message("I said so a year ago").createdAt).toBe(await epochStart(carol, g));
  });
});

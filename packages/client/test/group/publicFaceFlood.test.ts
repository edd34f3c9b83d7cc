/**
 * Answers from the web under a flood (docs/THREAT-MODEL.md, public answers): a relay answers one
 * request with its newest events only, and wraps without the proof of work cost nothing to send and
 * can be dated "now", while an honest wrap is dated back. The admin's device reads page by page, so
 * the honest answer behind a page of junk is still found.
 */

import { wrapPublicAnswer } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { decode } from "nostr-tools/nip19";
import { SimplePool, useWebSocketImplementation } from "nostr-tools/pool";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { person, useWorld } from "../world.ts";
import { allotmentSeedSwap } from "./publishedEvent.ts";

useWebSocketImplementation(WebSocket);

// A relay that answers a request with at most 100 events, fewer than the device asks for (200;
// strfry's default cap is 500, Rally's 5,000).
const w = useWorld("face-flood", ["--max-limit", "100"]);
const pool = new SimplePool();
afterAll(() => pool.close([w.relay.url]));

/** Sends an event to the relay, waiting out its limit of events per second when it says so. */
async function send(event: NostrEvent): Promise<void> {
  for (;;) {
    try {
      await Promise.any(pool.publish([w.relay.url], event));
      return;
    } catch (error) {
      const why = error instanceof AggregateError ? String(error.errors[0]) : String(error);
      if (!why.includes("rate-limited")) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** `count` wraps to `groupKey` without work, `perSecond` dated each second back from `now`. */
async function junk(groupKey: string, now: number, count: number, perSecond: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await send(
      finalizeEvent(
        {
          kind: 1059,
          created_at: now - Math.floor(i / perSecond),
          tags: [["p", groupKey]],
          content: `junk ${i}`,
        },
        generateSecretKey(),
      ),
    );
  }
}

describe("answers from the web under a flood", { timeout: 300_000 }, () => {
  it("more junk dated now than a relay returns at once does not hide an older honest answer", async () => {
    const alice = await person(w, "Alice");
    const { g, face, event } = await allotmentSeedSwap(alice);
    const groupKey = decode(face.npub).data as string;
    const [published] = await pool.querySync([w.relay.url], { authors: [groupKey], kinds: [31922] });
    const d = published?.tags.find((t) => t[0] === "d")?.[1];
    expect(d).toBeDefined();
    await alice.sync();

    // The honest answer, written an hour ago (its wrap is dated further back still).
    const honest = await wrapPublicAnswer(
      { event: `31922:${groupKey}:${d}`, name: "Hana", contact: null, status: "going", guests: 0, note: "" },
      generateSecretKey(),
      groupKey,
      alice.core.now() - 3_600,
    );
    await send(honest as NostrEvent);
    // 250 wraps to the group key without work, dated in the last five seconds: newer than the honest
    // one, and more than the relay returns for one request (before paging, the device saw only them).
    await junk(groupKey, alice.core.now(), 250, 50);

    const before = { ...alice.face.answerWraps };
    await alice.sync();
    const web = (await alice.eventAnswers(g.id, event.id)).filter((a) => a.via === "web");
    expect(web.map((a) => a.name)).toEqual(["Hana"]);
    expect(alice.face.answerWraps.skipped - before.skipped).toBe(250);
    expect(alice.face.answerWraps.opened - before.opened).toBe(1);
  });
  it("a flood longer than one round's pages is read on over the next rounds; the answer is found", async () => {
    const alice = await person(w, "Bea");
    const g = await alice.createGroup({ name: "Choir" });
    const face = await alice.setPublicFace(g.id, { name: "Choir" });
    const event = await alice.createEvent(g.id, {
      title: "Rehearsal",
      start: "2030-06-02",
      location: "Hall",
    });
    await alice.publishEvent(g.id, event.id);
    await alice.deliver(8_000);
    const groupKey = decode(face.npub).data as string;
    const [published] = await pool.querySync([w.relay.url], { authors: [groupKey], kinds: [31922] });
    const d = published?.tags.find((t) => t[0] === "d")?.[1];
    await alice.sync();

    const honest = await wrapPublicAnswer(
      { event: `31922:${groupKey}:${d}`, name: "Ines", contact: null, status: "going", guests: 0, note: "" },
      generateSecretKey(),
      groupKey,
      alice.core.now() - 3_600,
    );
    await send(honest as NostrEvent);
    // 2,500 junk wraps, 100 a second over the last 25 seconds: 25 pages of 100 where a round reads
    // 10.
    await junk(groupKey, alice.core.now(), 2_500, 100);

    const before = { ...alice.face.answerWraps };
    const listed = async () =>
      (await alice.eventAnswers(g.id, event.id)).filter((a) => a.via === "web").map((a) => a.name);
    await alice.sync();
    expect(await listed()).toEqual([]);
    expect(alice.face.answerWraps.skipped - before.skipped).toBe(1_000);
    // Each next round goes on from the oldest wrap read, not from the newest again.
    await alice.sync();
    expect(await listed()).toEqual([]);
    expect(alice.face.answerWraps.skipped - before.skipped).toBe(2_000);
    await alice.sync();
    expect(await listed()).toEqual(["Ines"]);
    expect(alice.face.answerWraps.skipped - before.skipped).toBe(2_500);
    expect(alice.face.answerWraps.opened - before.opened).toBe(1);
  });
});

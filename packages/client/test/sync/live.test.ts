/**
 * Live means live, over a real relay with real clients: with the live loop's round timer held still
 * (fake `setInterval`, never advanced; sockets and every other timer run), a join by an invite link
 * made a moment before completes, a message of a new epoch arrives, a sent message shows as sent,
 * and a device started again after `stop` (and after losing its connections) reads new messages.
 * The relay, seen through a tap in front of it, gets one live REQ per group, for the current epoch
 * only; no request names two routing tags; catch-up reads a tag in full once, then only what is
 * new; welcomes and tree chunks leave on connections that carry no group traffic.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ChangeListener } from "../../src/api.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { freePort, waitFor } from "../net/helpers.ts";
import { chatTexts, memberKeys, person, pubkeyOf, startWorld, stopWorld, type World } from "../world.ts";
import { openReqs, startWireTap, tagsOf, type WireTap } from "./wireTap.ts";

let w: World;
let tap: WireTap;
let ana: Rally;
let ben: Rally;
let group: string;

beforeAll(async () => {
  // The relay checks an AUTH's relay tag against its own addresses: the tap is one of them.
  const tapPort = await freePort();
  w = await startWorld("live", ["--public-url", `ws://127.0.0.1:${tapPort}`]);
  tap = await startWireTap(w.relay.url, tapPort);
  ana = await person(w, "Ana");
  ben = await person(w, "Ben");
  // Held for the whole file: no live round ever runs on the timer.
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
}, 300_000);

afterAll(async () => {
  await stopWorld(w);
  await tap?.close();
  vi.useRealTimers();
});

/** The live round timers armed and never run: one per live device. */
function heldRounds(): number {
  return vi.getTimerCount();
}

async function currentTag(c: Rally, g: string): Promise<string> {
  const tag = (await c.groupsSvc.record(g)).keys[0]?.tag;
  if (!tag) throw new Error("no current epoch");
  return tag;
}

/** Waits until `c` listens live on the group's current routing tag. */
async function listening(c: Rally, g: string): Promise<void> {
  await waitFor(
    async () => c.syncer.subscriptions.groupTags().get(g) === (await currentTag(c, g)),
    "a live subscription on the current routing tag",
  );
}

describe("live means live", { timeout: 120_000 }, () => {
  it("a join by an invite link made while the admin is live completes without the round timer", async () => {
    const g = await ana.createGroup({ name: "Night shift", relays: [tap.url] });
    group = g.id;
    await ana.start();
    await ben.start();
    expect(heldRounds()).toBe(2);

    const link = await ana.createInviteLink(group, {});
    const started = performance.now();
    await ben.join(link.url);
    await waitFor(async () => (await ben.joinState(link.url))?.state === "joined", "Ben's join", 60_000);
    const ms = Math.round(performance.now() - started);
    console.log(`join by a link made a moment before, admin live, no round timer: ${ms} ms`);

    const both = [await pubkeyOf(ana), await pubkeyOf(ben)].sort();
    expect(await memberKeys(ana, group)).toEqual(both);
    expect(await memberKeys(ben, group)).toEqual(both);
    expect((await ben.groupsSvc.record(group)).status).toBe("active");
    expect(heldRounds()).toBe(2);
  });

  it("after a commit of her own, the admin reads the next message of the new epoch without the timer", async () => {
    const before = (await ana.groupsSvc.record(group)).epoch;
    await ana.updateGroup(group, { name: "Night shift, renamed" });
    const epoch = (await ana.groupsSvc.record(group)).epoch;
    expect(epoch).toBeGreaterThan(before);
    // Ana's device listens on the new tag the moment her commit is hers, not at its next round.
    await listening(ana, group);
    await waitFor(async () => (await ben.groupsSvc.record(group)).epoch === epoch, "Ben at the new epoch");
    await listening(ben, group);

    await ben.sendChat(group, "first words of the new epoch");
    await waitFor(
      async () => (await chatTexts(ana, group)).includes("first words of the new epoch"),
      "Ben's message on Ana's device",
    );
    await ana.sendChat(group, "and the answer");
    await waitFor(
      async () => (await chatTexts(ben, group)).includes("and the answer"),
      "Ana's message on Ben's device",
    );
    expect(heldRounds()).toBe(2);
  });

  it("a message of one's own flips from waiting to sent with a change notice", async () => {
    const seen: string[] = [];
    let off = () => {};
    const sent = new Promise<void>((resolve) => {
      const check: ChangeListener = (change) => {
        if (change.kind !== "chat" || change.group !== group) return;
        void ana.chat(group).then((msgs) => {
          const m = msgs.find((x) => x.text === "is this sent?");
          if (m) seen.push(m.state);
          if (m?.state === "sent") resolve();
        });
      };
      off = ana.onChange(check);
    });
    await ana.sendChat(group, "is this sent?");
    await Promise.race([
      sent,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no notice showed it sent; states seen: ${seen}`)), 20_000),
      ),
    ]);
    off();
    expect(seen).toContain("sent");
  });

  it("start after stop, with every connection lost meanwhile, reads new messages again", async () => {
    await ben.stop();
    expect(heldRounds()).toBe(1);
    await ana.sendChat(group, "while Ben was stopped");
    await ana.deliver(8_000);
    tap.dropAll();

    await ben.start();
    await waitFor(
      async () => (await chatTexts(ben, group)).includes("while Ben was stopped"),
      "what came while stopped",
    );
    await listening(ben, group);
    // Reconnected: a connection through the tap carries Ben's live REQ again.
    await waitFor(() => openReqs(tap).some((r) => r.filters.length > 0), "a live REQ after the restart");
    await ana.sendChat(group, "after the restart");
    await waitFor(async () => (await chatTexts(ben, group)).includes("after the restart"), "a live message");
    expect(heldRounds()).toBe(2);
  });

  it("one live REQ per group, for its current epoch only; no request names two tags", async () => {
    const second = await ana.createGroup({ name: "Day shift", relays: [tap.url] });
    await ana.invite(second.id, (await ben.account())?.npub ?? "");
    await waitFor(async () => (await ben.invites()).length > 0, "Ben's invitation");
    const [inv] = await ben.invites();
    await ben.acceptInvite(inv?.id ?? "");
    for (const c of [ana, ben]) {
      await listening(c, group);
      await listening(c, second.id);
    }
    // The first group has had three commits: its older epochs are retained, and read, but not live.
    const retained = new Set<string>();
    const current = new Set<string>();
    for (const c of [ana, ben]) {
      for (const g of [group, second.id]) {
        const [now, ...older] = (await c.groupsSvc.record(g)).keys;
        if (now) current.add(now.tag);
        for (const k of older) retained.add(k.tag);
      }
    }
    expect(retained.size).toBeGreaterThan(0);

    const liveReqs = () => openReqs(tap).filter((r) => tagsOf(r.filters).length > 0);
    // Each device's connection through the tap: one live REQ per group (once both reconnected).
    const perConn = () => {
      const byConn = new Map<number, string[]>();
      for (const r of liveReqs()) byConn.set(r.conn, [...(byConn.get(r.conn) ?? []), ...tagsOf(r.filters)]);
      return byConn;
    };
    await waitFor(
      () => [...perConn().values()].filter((t) => t.length === 2).length === 2,
      "two live REQs each",
    );
    const live = liveReqs();
    for (const r of live) {
      expect(tagsOf(r.filters)).toHaveLength(1);
      expect(current.has(tagsOf(r.filters)[0] ?? "")).toBe(true);
    }
    const byConn = perConn();
    expect([...byConn.values()].map((tags) => tags.length).sort()).toEqual([2, 2]);
    for (const tags of byConn.values()) expect(new Set(tags).size).toBe(2);

    // Every request the relay got, live or one-shot: never two tags, never a retained one live.
    const reqs = tap.frames.filter((f) => f.msg[0] === "REQ");
    for (const f of reqs)
      expect(tagsOf(f.msg.slice(2) as Record<string, unknown>[]).length).toBeLessThanOrEqual(1);
    expect(live.some((r) => retained.has(tagsOf(r.filters)[0] ?? ""))).toBe(false);

    // Catch-up (one-shot REQs, closed at EOSE) reads a tag in full the first time, then from the
    // newest event seen under it.
    const tag = await currentTag(ben, group);
    const closed = new Set(
      tap.frames.filter((f) => f.msg[0] === "CLOSE").map((f) => `${f.conn} ${f.msg[1]}`),
    );
    const oneShots = reqs
      .filter((f) => closed.has(`${f.conn} ${f.msg[1]}`))
      .map((f) => f.msg[2] as Record<string, unknown>)
      .filter((f) => tagsOf([f])[0] === tag);
    expect(oneShots[0]?.since).toBeUndefined();
    expect(oneShots.some((f) => typeof f.since === "number")).toBe(true);
  });

  it("welcomes and tree chunks leave on connections that carry no group traffic", () => {
    const groupConns = new Set<number>();
    const toSomeone = new Set<number>();
    for (const { conn, msg } of tap.frames) {
      const [type, a] = msg;
      const filters = msg.slice(2) as Record<string, unknown>[];
      if (type === "REQ" && tagsOf(filters).length > 0) groupConns.add(conn);
      if (type === "EVENT" && typeof a === "object" && a !== null) {
        const kind = (a as { kind?: number }).kind;
        if (kind === 445) groupConns.add(conn);
        if (kind === 1059 || kind === 1447) toSomeone.add(conn);
      }
    }
    expect(toSomeone.size).toBeGreaterThan(0);
    for (const conn of toSomeone) expect(groupConns.has(conn)).toBe(false);
  });

  it("a replay of what was already heard starts no catch-up round: after a reconnect, or a subscription opened again", async () => {
    const tag = await currentTag(ben, group);
    const reqsNaming = (from: number) =>
      tap.frames
        .slice(from)
        .filter((f) => f.msg[0] === "REQ" && tagsOf(f.msg.slice(2) as Record<string, unknown>[])[0] === tag);
    const oneShotsSince = (from: number) => {
      const closed = new Set(
        tap.frames
          .slice(from)
          .filter((f) => f.msg[0] === "CLOSE")
          .map((f) => `${f.conn} ${f.msg[1]}`),
      );
      return reqsNaming(from).filter((f) => closed.has(`${f.conn} ${f.msg[1]}`));
    };
    // Long enough for a round that an arrival would start (SOON_MS, ARRIVAL_GAP_MS) to have run.
    const settle = () => new Promise((r) => setTimeout(r, 2_500));
    // Connections lost: the pool resubscribes, and its replay is known to the subscription.
    let mark = tap.frames.length;
    tap.dropAll();
    await waitFor(() => reqsNaming(mark).length >= 2, "both devices' live REQs again");
    await settle();
    mark = tap.frames.length;
    tap.dropAll();
    await waitFor(() => reqsNaming(mark).length >= 2, "both devices' live REQs again");
    await settle();
    expect(oneShotsSince(mark)).toEqual([]);
    // Ben's subscriptions opened afresh (as when the relays of his inbox change): the lookback
    // replays events the new subscription has not delivered, but this device heard them already.
    mark = tap.frames.length;
    await ben.syncer.subscriptions.stop();
    await ben.syncer.subscriptions.start();
    await waitFor(() => reqsNaming(mark).length >= 1, "Ben's live REQ again");
    await settle();
    expect(oneShotsSince(mark)).toEqual([]);
    // And the devices still hear what is new.
    await ana.sendChat(group, "after the replays");
    await waitFor(async () => (await chatTexts(ben, group)).includes("after the replays"), "a live message");
  });
});

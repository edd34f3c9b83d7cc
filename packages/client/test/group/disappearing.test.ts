/**
 * Disappearing messages and deletions that leave the disk, end to end: real clients with SQLite
 * homes around one real relay process whose clock moves with the world's.
 */
import fs from "node:fs";
import path from "node:path";
import { buildChatMessage, buildDeletion } from "@rally/protocol/app";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { WebSocketConstructor } from "../../src/net/websocket.ts";
import { nodeCryptoBackend } from "../../src/platform/node/nodeCrypto.ts";
import { openHomeStore, storePath } from "../../src/platform/node/sqliteStore.ts";
import { createRallyClient, type Rally } from "../../src/rallyClient.ts";
import { Hostile } from "../hostile/harness.ts";
import { groupWith, person, pubkeyOf, useWorld, type World } from "../world.ts";

const w = useWorld("disappearing");

async function syncAll(cs: Rally[], rounds = 2): Promise<void> {
  for (let i = 0; i < rounds; i++) for (const c of cs) await c.sync();
}

/** What the relay serves for a filter now (a plain NIP-01 REQ until EOSE). */
function relayQuery(
  world: World,
  filter: Record<string, unknown>,
): Promise<{ id: string; tags: string[][] }[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(world.relay.url);
    const out: { id: string; tags: string[][] }[] = [];
    ws.on("open", () => ws.send(JSON.stringify(["REQ", "q", filter])));
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as unknown[];
      if (msg[0] === "EVENT") out.push(msg[2] as { id: string; tags: string[][] });
      if (msg[0] === "EOSE" || msg[0] === "CLOSED") {
        ws.close();
        resolve(out);
      }
    });
    ws.on("error", reject);
  });
}

/** A person whose home is a plain SQLite store, so the test can read its files' bytes. */
let homes = 0;
async function plainPerson(world: World, name: string): Promise<{ client: Rally; file: string }> {
  const home = path.join(world.root, `plain-${name}-${++homes}`);
  const client = await createRallyClient({
    store: openHomeStore(home),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    mlsCrypto: nodeCryptoBackend(),
    fetchTimeoutMs: 8_000,
    nowMs: () => Date.now() + world.clock.offsetMs,
  });
  world.clients.push(client);
  await client.createAccount({ name, relays: [world.relay.url] });
  await client.deliver(8_000);
  return { client, file: storePath(home) };
}

/** Whether the database file or its write-ahead log holds these bytes anywhere. */
function onDisk(file: string, text: string): boolean {
  const needle = Buffer.from(text, "utf8");
  return [file, `${file}-wal`].some((f) => fs.existsSync(f) && fs.readFileSync(f).includes(needle));
}

describe("disappearing messages", { timeout: 300_000 }, () => {
  it("an admin's timer reaches every member as a notice; a plain member cannot set it", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob, carol], "Night shift");

    await expect(bob.setDisappearing(g, 3600)).rejects.toMatchObject({ code: "not-admin" });
    await expect(alice.setDisappearing(g, 7200)).rejects.toThrow(/1 hour .*1 day .*1 week .*4 weeks/);

    await alice.setDisappearing(g, 86_400);
    await syncAll([alice, bob, carol]);
    for (const c of [alice, bob, carol]) {
      const summary = (await c.groups()).find((s) => s.id === g);
      expect(summary?.disappearAfter).toBe(86_400);
    }
    const notice = async (c: Rally) =>
      (await c.chatHistory(g))
        .filter((e) => e.type === "notice" && e.notice === "disappearing")
        .map((e) => e.text);
    expect(await notice(bob)).toEqual(["Alice set disappearing messages to 1 day"]);
    expect(await notice(alice)).toEqual(["You set disappearing messages to 1 day"]);

    await alice.setDisappearing(g, null);
    await syncAll([alice, bob, carol]);
    expect((await carol.groups()).find((s) => s.id === g)?.disappearAfter).toBeNull();
    expect(await notice(carol)).toEqual([
      "Alice set disappearing messages to 1 day",
      "Alice turned off disappearing messages",
    ]);
  });

  it("past a 1-hour timer every device and the relay have lost the message; commits do not expire; an event waits until it is over", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const g = await groupWith(alice, [bob], "Short memory");
    await alice.setDisappearing(g, 3600);
    await syncAll([alice, bob]);

    await alice.sendChat(g, "meet at the back door");
    const sent = (await alice.chat(g)).find((m) => m.text === "meet at the back door");
    if (!sent) throw new Error("message not shown");
    await alice.deliver(8_000);
    await bob.sync();
    await bob.sendChat(g, "ok", { replyTo: sent.id });
    await alice.react(g, sent.id, "👍");
    // An event whose day comes after the timer runs out.
    const start = new Date((alice.core.now() + 3 * 3600) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const end = new Date((alice.core.now() + 4 * 3600) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    await alice.createEvent(g, { title: "Leafleting", start, end, tz: "UTC" });
    await alice.deliver(8_000);
    await bob.deliver(8_000);
    await syncAll([alice, bob]);
    expect((await bob.chat(g)).map((m) => m.text).sort()).toEqual(["meet at the back door", "ok"]);

    // Application messages carry an expiration an hour after they were written; commits none.
    const all = await relayQuery(w, { kinds: [445] });
    const expiring = all.filter((e) => e.tags.some((t) => t[0] === "expiration"));
    expect(expiring.length).toBeGreaterThanOrEqual(4);
    const commit = (await alice.groupsSvc.record(g)).lastCommit?.id;
    expect(commit).toBeDefined();
    const commitEvent = all.find((e) => e.id === commit);
    expect(commitEvent?.tags.some((t) => t[0] === "expiration")).toBe(false);

    w.clock.offsetMs += 3601 * 1000;
    await syncAll([alice, bob], 1);
    for (const c of [alice, bob]) {
      expect(await c.chat(g)).toEqual([]);
      expect(await c.core.store.getRumor(g, sent.id)).toBeUndefined();
      const rows = await c.core.store.rumors({ group: g, kinds: [9, 7, 5] });
      expect(rows).toEqual([]);
      expect((await c.events(g)).map((e) => e.title)).toEqual(["Leafleting"]);
    }
    const left = await relayQuery(w, { ids: expiring.map((e) => e.id) });
    expect(left).toEqual([]);
    // The commits stay, so a device that was away can still catch up.
    expect((await relayQuery(w, { ids: [commit as string] })).length).toBe(1);

    // Once the event is over, it follows the timer too.
    w.clock.offsetMs += 4 * 3600 * 1000;
    await syncAll([alice, bob], 1);
    for (const c of [alice, bob]) expect(await c.events(g)).toEqual([]);
  });
});

describe("a deleted message leaves the disk", { timeout: 300_000 }, () => {
  it("after a deletion by its author, neither device's database files hold the text; the chat shows it as deleted", async () => {
    const alice = await plainPerson(w, "Alice");
    const bob = await plainPerson(w, "Bob");
    const g = await groupWith(alice.client, [bob.client], "Paper trail");
    const secret = "the spare key is under pot 7391";

    await bob.client.sendChat(g, secret);
    await bob.client.deliver(8_000);
    await alice.client.sync();
    const msg = (await alice.client.chat(g)).find((m) => m.text === secret);
    if (!msg) throw new Error("message not received");
    // The scan can see the text while it is there.
    expect(onDisk(alice.file, secret)).toBe(true);
    expect(onDisk(bob.file, secret)).toBe(true);

    await alice.client.react(g, msg.id, "🔑");
    await alice.client.deliver(8_000);
    await bob.client.sync();
    await bob.client.deleteMessage(g, msg.id);
    await bob.client.deliver(8_000);
    expect(onDisk(bob.file, secret)).toBe(false);

    await alice.client.sync();
    expect(onDisk(alice.file, secret)).toBe(false);
    for (const c of [alice.client, bob.client]) {
      const shown = (await c.chat(g)).find((m) => m.id === msg.id);
      expect(shown).toMatchObject({ deleted: true, text: "", reactions: [] });
      expect((await c.core.store.rumors({ group: g, kinds: [7] })).length).toBe(0);
    }
  });

  it("an admin's deletion of someone else's message takes it off every device, one that reads the message after the deletion too", async () => {
    const alice = await plainPerson(w, "Alice");
    const bob = await plainPerson(w, "Bob");
    const carol = await plainPerson(w, "Carol");
    const g = await groupWith(alice.client, [bob.client, carol.client], "Moderated");
    const text = "a phone number: 0151 2345 6789";

    await bob.client.sendChat(g, text);
    await bob.client.deliver(8_000);
    await alice.client.sync();
    const msg = (await alice.client.chat(g)).find((m) => m.text === text);
    if (!msg) throw new Error("message not received");
    await alice.client.deleteMessage(g, msg.id);
    await alice.client.deliver(8_000);
    expect(onDisk(alice.file, text)).toBe(false);

    // Carol reads the message and its deletion in one sync.
    await carol.client.sync();
    await bob.client.sync();
    for (const p of [bob, carol]) {
      expect(onDisk(p.file, text)).toBe(false);
      expect((await p.client.chat(g)).find((m) => m.id === msg.id)?.deleted).toBe(true);
    }
  });

  it("a message that arrives after its deletion is taken off the disk when it comes", async () => {
    const alice = await plainPerson(w, "Alice");
    const bob = await plainPerson(w, "Bob");
    const g = await groupWith(alice.client, [bob.client], "Out of order");
    const text = "the door code is 4412";
    const me = await pubkeyOf(bob.client);
    const now = bob.client.core.now();
    const message = buildChatMessage({ pubkey: me, createdAt: now, text });
    const deletion = buildDeletion({
      pubkey: me,
      createdAt: now + 1,
      targets: [{ id: message.id, kind: 9 }],
    });
    // Bob's device sends the deletion first: relays and devices see them in any order.
    const sender = new Hostile(bob.client);
    await sender.snapshot();
    await sender.send(g, deletion);
    await alice.client.sync();
    await sender.send(g, message);
    await alice.client.sync();

    expect(onDisk(alice.file, text)).toBe(false);
    expect((await alice.client.chat(g)).find((m) => m.id === message.id)).toMatchObject({
      deleted: true,
      text: "",
    });
  });
});

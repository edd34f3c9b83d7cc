/**
 * Messages sent within one second keep the order they were sent in (the `ms` tag, PROTOCOL.md
 * section 9), over a real relay with real clients: an organiser posts "1. … 5." with their clock
 * held inside one millisecond — the hardest case, where only the device's rising stamps tell the
 * messages apart — and another member, the organiser's own second device and the organiser read
 * them in that order; pages whose cursor falls inside that second give each message once, in order.
 * A bad tag from another member counts as 0 and keeps its message in its second.
 */
import path from "node:path";
import { KIND_CHAT, makeRumor } from "@rally/protocol/app";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ChatEntry, ChatMessage } from "../../src/api.ts";
import type { WebSocketConstructor } from "../../src/net/websocket.ts";
import { nodeCryptoBackend } from "../../src/platform/node/nodeCrypto.ts";
import { openHomeVault } from "../../src/platform/node/nodeVault.ts";
import { createRallyClient, type Rally } from "../../src/rallyClient.ts";
import { groupWith, person, pubkeyOf, useWorld } from "../world.ts";

const w = useWorld("same-second");

const LIST = ["1. chairs", "2. tables", "3. food", "4. music", "5. cleanup"];

/** A clock that follows the world's, or stands still at one instant while `held` is set. */
function holdableClock(): { offsetMs: number; held: number | null } {
  return {
    held: null,
    get offsetMs() {
      return this.held === null ? w.clock.offsetMs : this.held - Date.now();
    },
    set offsetMs(_ms: number) {
      throw new Error("set the world's clock instead");
    },
  };
}

async function secondDevice(existing: Rally, name: string): Promise<Rally> {
  const { link } = await existing.linkDevice({ confirm: false });
  const fresh = await createRallyClient({
    store: await openHomeVault(path.join(w.root, name)),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    mlsCrypto: nodeCryptoBackend(),
    fetchTimeoutMs: 8_000,
    nowMs: () => Date.now() + w.clock.offsetMs,
  });
  w.clients.push(fresh);
  await fresh.addDevice(link, "Laptop");
  await fresh.deliver(8_000);
  for (let i = 0; i < 12; i++) {
    await fresh.sync();
    await existing.sync();
    await fresh.sync();
    const j = await fresh.deviceJoining();
    if (j?.state === "done" && (await fresh.groups()).length >= 1) return fresh;
  }
  throw new Error(`not linked: ${JSON.stringify(await fresh.deviceJoining())}`);
}

/** Walks a device's chat back page by page with message ids as cursors. */
async function pagedChat(c: Rally, g: string, size: number): Promise<ChatMessage[]> {
  const pages: ChatMessage[][] = [];
  let before: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const page = await c.chat(g, { limit: size, ...(before ? { before } : {}) });
    if (page.length === 0) break;
    pages.unshift(page);
    before = page[0]?.id;
  }
  return pages.flat();
}

async function pagedHistory(c: Rally, g: string, size: number): Promise<ChatEntry[]> {
  const pages: ChatEntry[][] = [];
  let before: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const page = await c.chatHistory(g, { limit: size, ...(before ? { before } : {}) });
    if (page.length === 0) break;
    pages.unshift(page);
    before = page[0]?.id;
  }
  return pages.flat();
}

describe("messages sent within one second", { timeout: 300_000 }, () => {
  it("are read in the order they were sent, by another member and the sender's other device, page by page", async () => {
    const clock = holdableClock();
    const alice = await person(w, "Alice", clock);
    const bob = await person(w, "Bob");
    const g = await groupWith(alice, [bob], "Tenants");
    const laptop = await secondDevice(alice, "alice-laptop");
    await alice.sendChat(g, "before");
    await alice.deliver(8_000);

    // Held at 400 ms into a second two seconds ahead: every message is written at one instant.
    const second = Math.floor((Date.now() + w.clock.offsetMs) / 1000) + 2;
    clock.held = second * 1000 + 400;
    const sent: ChatMessage[] = [];
    try {
      for (const text of LIST) sent.push(await alice.sendChat(g, text));
    } finally {
      clock.held = null;
    }
    expect(sent.map((m) => m.createdAt)).toEqual(LIST.map(() => second));
    // The device's stamps rise from the clock's 400 by one each.
    expect(sent.map((m) => m.ms)).toEqual([400, 401, 402, 403, 404]);
    await alice.deliver(8_000);
    w.clock.offsetMs += 3_000;
    await alice.sendChat(g, "after");
    await alice.deliver(8_000);

    const expected = ["before", ...LIST, "after"];
    for (const [who, c] of [
      ["Bob", bob],
      ["Alice's laptop", laptop],
      ["Alice", alice],
    ] as const) {
      await c.sync();
      const chat = await c.chat(g);
      expect(
        chat.map((m) => m.text),
        who,
      ).toEqual(expected);
      expect(
        chat.filter((m) => LIST.includes(m.text)).map((m) => m.ms),
        who,
      ).toEqual([400, 401, 402, 403, 404]);
      // Pages whose cursors fall inside that second: each message once, in order.
      for (const size of [1, 2, 3, 4]) {
        expect(
          (await pagedChat(c, g, size)).map((m) => m.text),
          `${who}, chat pages of ${size}`,
        ).toEqual(expected);
        const history = (await pagedHistory(c, g, size)).filter((e) => e.type === "message");
        expect(
          history.map((e) => (e.type === "message" ? e.text : "")),
          `${who}, history pages of ${size}`,
        ).toEqual(expected);
      }
      // A cursor in the middle of the second: what was sent before it, newest last.
      const third = chat.find((m) => m.text === "3. food") as ChatMessage;
      expect((await c.chat(g, { limit: 3, before: third.id })).map((m) => m.text)).toEqual([
        "before",
        "1. chairs",
        "2. tables",
      ]);
    }
  });

  it("a bad ms tag counts as 0: never refused, never out of its second", async () => {
    const alice = await person(w, "Ana");
    const bob = await person(w, "Ben");
    const g = await groupWith(alice, [bob], "Choir");
    const bobPk = await pubkeyOf(bob);
    const second = bob.core.now();
    const tagged = (text: string, ms: string) =>
      makeRumor({ pubkey: bobPk, createdAt: second, kind: KIND_CHAT, tags: [["ms", ms]], content: text });
    const sent = [
      tagged("late in the second", "998"),
      tagged("too many", "5000"),
      tagged("negative", "-1"),
      tagged("padded", "007"),
      tagged("words", "soon"),
    ];
    // A tag already there is sent as it is (this device does not stamp over it).
    for (const r of sent) await bob.core.exclusive(() => bob.groupsSvc.sendRumor(g, r));
    await bob.deliver(8_000);
    w.clock.offsetMs += 2_000;
    await bob.sendChat(g, "next second");
    await bob.deliver(8_000);
    await alice.sync();
    const chat = await alice.chat(g);
    const bad = sent.slice(1).map((r) => r.id);
    const ofSecond = chat.filter((m) => m.createdAt === second);
    expect(ofSecond).toHaveLength(5);
    for (const m of ofSecond) expect(m.ms).toBe(bad.includes(m.id) ? 0 : 998);
    // The bad ones (0) by id, then the good one; all before the next second.
    expect(chat.map((m) => m.id)).toEqual([
      ...[...bad].sort(),
      sent[0]!.id,
      chat.find((m) => m.text === "next second")!.id,
    ]);
  });
});

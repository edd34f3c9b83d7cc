/**
 * A chat history read page by page (`chatHistory(g, {limit, before: id})`, what `rally chat list
 * --limit N --before ID` calls), over a real relay with real clients: messages, reactions and
 * membership notices come back exactly as the whole history shows them, each line once, whether the
 * cursor is a message or a notice; an unknown cursor is refused in plain words.
 */
import { describe, expect, it } from "vitest";
import type { ChatEntry } from "../../src/api.ts";
import { AppService } from "../../src/group/appService.ts";
import { readChatPage } from "../../src/group/chatPages.ts";
import { keys } from "../../src/store/keys.ts";
import { acceptAll, groupWith, npubOf, person, useWorld } from "../world.ts";

const w = useWorld("chat-history-pages");

const lineOf = (e: ChatEntry) =>
  e.type === "notice" ? `notice ${e.id}` : `${e.text} ${e.reactions.map((r) => r.emoji).join("")}`;

describe("chat history by pages", { timeout: 300_000 }, () => {
  it("walking back with every page size gives the whole history once; a notice can be the cursor", async () => {
    const alice = await person(w, "Alice");
    const bob = await person(w, "Bob");
    const carol = await person(w, "Carol");
    const g = await groupWith(alice, [bob], "Tenants");
    for (let i = 0; i < 6; i++) {
      w.clock.offsetMs += 1_000;
      await alice.sendChat(g, `before ${i}`);
    }
    await alice.invite(g, await npubOf(carol));
    await acceptAll(carol);
    w.clock.offsetMs += 1_000;
    const liked = await bob.sendChat(g, "after carol");
    await bob.deliver(8_000);
    await alice.sync();
    await alice.react(g, liked.id, "👍");
    for (let i = 0; i < 5; i++) {
      w.clock.offsetMs += 1_000;
      await alice.sendChat(g, `later ${i}`);
    }
    await alice.remove(g, await npubOf(carol));
    w.clock.offsetMs += 1_000;
    await alice.sendChat(g, "last");

    const whole = await alice.chatHistory(g);
    expect(whole.filter((e) => e.type === "notice").length).toBeGreaterThanOrEqual(2);
    expect(whole.find((e) => e.type === "message" && e.text === "after carol")).toMatchObject({
      reactions: [{ emoji: "👍" }],
    });
    for (const size of [1, 2, 3, 5, 50]) {
      const pages: ChatEntry[][] = [];
      let before: string | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const page = await alice.chatHistory(g, { limit: size, ...(before ? { before } : {}) });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(size);
        pages.unshift(page);
        before = page[0]?.id;
      }
      expect(pages.flat().map(lineOf), `pages of ${size}`).toEqual(whole.map(lineOf));
    }
    // A notice as the cursor: everything strictly before it.
    const at = whole.findIndex((e) => e.type === "notice" && whole.indexOf(e) > 3);
    const notice = whole[at] as ChatEntry;
    expect((await alice.chatHistory(g, { before: notice.id })).map(lineOf)).toEqual(
      whole.slice(0, at).map(lineOf),
    );
    // Plain chat pages too: the newest two, then the two before them.
    const chat = await alice.chat(g);
    const newest = await alice.chat(g, { limit: 2 });
    expect(newest.map((m) => m.text)).toEqual(chat.slice(-2).map((m) => m.text));
    const older = await alice.chat(g, { limit: 2, before: newest[0]?.id as string });
    expect(older.map((m) => m.text)).toEqual(chat.slice(-4, -2).map((m) => m.text));

    await expect(alice.chatHistory(g, { before: "ab".repeat(32) })).rejects.toMatchObject({
      code: "unknown-message",
    });
  });

  it("a store written before reactions recorded their target gets that index once, and reactions show again", async () => {
    const alice = await person(w, "Ana");
    const bob = await person(w, "Ben");
    const g = await groupWith(alice, [bob], "Garden");
    const m = await alice.sendChat(g, "water the beans");
    await alice.deliver(8_000);
    await bob.sync();
    await bob.react(g, m.id, "✊");
    await bob.deliver(8_000);
    await alice.sync();
    // As an older Rally stored it: the reaction without refs, and no mark that the index is built.
    const store = alice.core.store;
    const old = (await store.rumors({ group: g, kinds: [7] })).map(({ refs: _, ...r }) => r);
    expect(old.length).toBe(1);
    await store.batch([
      ...old.map((r) => ({ op: "putRumor" as const, rumor: r })),
      { op: "delete", key: keys.refsIndexed },
    ]);
    const rec = await alice.groupsSvc.record(g);
    const facts = {
      admins: rec.admins,
      adminsByEpoch: rec.adminsByEpoch,
      members: rec.members,
      removedAt: rec.removedAt,
    };
    const before = await readChatPage(store, g, facts, { limit: 10 });
    expect(before.messages.find((x) => x.id === m.id)?.reactions).toEqual([]);
    // A device opened again (a new reader) indexes them on its first read.
    const reopened = new AppService(alice.groupsSvc);
    const shown = (await reopened.chat(rec, { limit: 10 })).find((x) => x.id === m.id);
    expect(shown?.reactions.map((r) => r.emoji)).toEqual(["✊"]);
    expect(await store.get(keys.refsIndexed)).toBe(1);
  });
});

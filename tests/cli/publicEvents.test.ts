/**
 * A group's public face through the `rally` command (docs/PROTOCOL.md §19): an admin turns it on
 * and publishes an event; a Nostr client that knows nothing of Rally (nostr-tools) reads a valid
 * NIP-52 event signed by the group's own key, listed in its calendar; an answer from the web is
 * approved and told the place; unpublish and --off leave only deletions. Members cannot do any of
 * it, and the errors say why in plain words.
 */
import fs from "node:fs";
import { wrapPublicAnswer } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { decode } from "nostr-tools/nip19";
import { SimplePool, useWebSocketImplementation } from "nostr-tools/pool";
import { finalizeEvent, generateSecretKey, getPublicKey, verifyEvent } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, tempRoot } from "./support.ts";

useWebSocketImplementation(WebSocket);

const GROUP = "Riverside Tenants";
let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;
let pool: SimplePool;

beforeAll(async () => {
  root = tempRoot("rally-cli-public-");
  relay = await startRelay({ keepData: true });
  pool = new SimplePool();
  alice = new Person("Alice Aardvark", root);
  bob = new Person("Bob Badger", root);
  for (const p of [alice, bob]) await p.createAccount(relay.url);
  await alice.ok("group", "create", GROUP);
  await alice.ok("group", "invite", GROUP, bob.npub);
  const invites = await bob.ok<{ id: string }[]>("invites");
  await bob.ok("invites", "accept", invites[0]!.id);
  await alice.ok("sync");
}, 600_000);

afterAll(async () => {
  pool?.close([relay.url]);
  await relay?.stop();
  fs.rmSync(relay.dataDir, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

async function shown(pubkey: string, kinds: number[]): Promise<NostrEvent[]> {
  const events = await pool.querySync([relay.url], { authors: [pubkey], kinds });
  for (const e of events) expect(verifyEvent(e)).toBe(true);
  return events;
}

const tag = (e: NostrEvent | undefined, name: string) => e?.tags.find((t) => t[0] === name)?.[1];

describe("public events through the CLI", { timeout: 300_000 }, () => {
  it("publish, read by a plain Nostr client, answer from the web, approve, withdraw, turn off", async () => {
    const event = await alice.ok<{ id: string }>(
      "event",
      "create",
      GROUP,
      "--title",
      "Tenants' assembly",
      "--start",
      "2030-05-01T18:00",
      "--tz",
      "Europe/Berlin",
      "--location",
      "Back room, 12 Mill St",
      "--capacity",
      "30",
      "--approval",
    );
    await bob.ok("sync");

    // A member is no admin; no face yet; an unknown event.
    expect((await bob.fails("group", "public", GROUP, "--name", "Tenants")).error).toMatch(/only an admin/i);
    expect((await bob.fails("event", "publish", GROUP, event.id)).error).toMatch(/only an admin/i);
    expect((await alice.fails("event", "publish", GROUP, event.id)).error).toMatch(/no public face yet/);
    expect((await alice.fails("group", "public", GROUP)).error).toMatch(/no public face/);
    expect((await alice.fails("group", "public", GROUP, "--about", "x")).error).toMatch(/--name/);
    expect(
      (await alice.fails("group", "public", GROUP, "--name", "T", "--picture", "ftp://x")).error,
    ).toMatch(/http/);

    const face = await alice.ok<{ npub: string; url: string }>(
      "group",
      "public",
      GROUP,
      "--name",
      "Riverside Tenants' Union",
      "--about",
      "Organising since 1999.",
      "--website",
      "https://riverside.example",
    );
    expect(face.url).toBe(`${relay.url.replace(/^ws/, "http")}/g/${face.npub}`);
    const groupKey = decode(face.npub).data as string;
    expect(groupKey).not.toBe(alice.pubkey);
    expect((await alice.fails("event", "publish", GROUP, "0".repeat(64))).error).toMatch(/no event/);

    const pub = await alice.ok<{ naddr: string; url: string }>("event", "publish", GROUP, event.id);
    const shownFace = await alice.ok<{
      on: boolean;
      npub: string;
      events: { event: string; naddr: string }[];
    }>("group", "public", GROUP);
    expect(shownFace).toMatchObject({
      on: true,
      npub: face.npub,
      events: [{ event: event.id, naddr: pub.naddr }],
    });
    expect(pub.url).toBe(`${relay.url.replace(/^ws/, "http")}/e/${pub.naddr}`);
    const addr = decode(pub.naddr);
    if (addr.type !== "naddr") throw new Error("not an naddr");
    expect(addr.data).toMatchObject({ kind: 31923, pubkey: groupKey, relays: [relay.url] });

    const [ev] = await shown(groupKey, [31923]);
    expect(tag(ev, "title")).toBe("Tenants' assembly");
    expect(tag(ev, "d")).toBe(addr.data.identifier);
    expect(tag(ev, "location")).toBeUndefined(); // answers need approval: the place is told privately
    const [calendar] = await shown(groupKey, [31924]);
    expect(tag(calendar, "title")).toBe("Riverside Tenants' Union");
    expect(calendar?.tags).toContainEqual(["a", `31923:${groupKey}:${addr.data.identifier}`]);
    const everything = JSON.stringify(await shown(groupKey, [0, 31922, 31923, 31924]));
    for (const secret of [
      alice.pubkey,
      bob.pubkey,
      alice.npub,
      bob.npub,
      "Alice",
      "Bob",
      "rally_capacity",
      "Mill St",
    ]) {
      expect(everything).not.toContain(secret);
    }

    // Someone without Rally answers from the web; Alice sees it and approves it.
    const throwaway = generateSecretKey();
    const wrap = await wrapPublicAnswer(
      {
        event: `31923:${groupKey}:${addr.data.identifier}`,
        name: "Dora Dormouse",
        contact: "dora@example.org",
        status: "going",
        guests: 2,
        note: "Bringing my neighbours.",
      },
      throwaway,
      groupKey,
    );
    await Promise.all(pool.publish([relay.url], wrap as NostrEvent));
    const answers = await alice.ok<
      { id: string; name: string; via: string; approved: boolean; guests: number }[]
    >("event", "answers", GROUP, event.id);
    const dora = answers.find((a) => a.via === "web");
    expect(dora).toMatchObject({
      name: "Dora Dormouse",
      guests: 2,
      approved: false,
      contact: "dora@example.org",
    });
    expect((await bob.fails("event", "answers", GROUP, event.id)).error).toMatch(/hosts|admins/);
    expect((await alice.fails("event", "approve", GROUP, event.id, "ab".repeat(32))).error).toMatch(
      /no answer/,
    );
    await alice.ok("event", "approve", GROUP, event.id, dora!.id);
    const after = await alice.ok<{ id: string; approved: boolean }[]>("event", "answers", GROUP, event.id);
    expect(after.find((a) => a.id === dora!.id)?.approved).toBe(true);
    const replies = await new Promise<NostrEvent[]>((resolve) => {
      const got: NostrEvent[] = [];
      pool.subscribeEose(
        [relay.url],
        { kinds: [1059], "#p": [getPublicKey(throwaway)] },
        {
          onevent: (e) => got.push(e),
          onclose: () => resolve(got),
          onauth: async (t) => finalizeEvent(t, throwaway),
        },
      );
    });
    expect(replies).toHaveLength(1);

    // Withdrawn: gone for every client; the group key's deletion stays. Then the face is turned off.
    await alice.ok("event", "unpublish", GROUP, event.id);
    expect(await shown(groupKey, [31923])).toEqual([]);
    expect((await shown(groupKey, [5])).length).toBeGreaterThan(0);
    await alice.ok("group", "public", GROUP, "--off");
    expect(await shown(groupKey, [0, 31922, 31923, 31924])).toEqual([]);
    expect((await alice.fails("event", "publish", GROUP, event.id)).error).toMatch(/no public face yet/);
  });
});

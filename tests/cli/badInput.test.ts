/**
 * Bad input and bad conditions through the `rally` command: every refusal is plain words with a
 * non-zero exit, and nothing typed is lost when the relay is down — a message sent while the relay
 * is unreachable is kept, `rally sync` says the relay cannot be reached, and the message reaches the
 * group once the relay is back (same data, same address).
 */
import fs from "node:fs";
import { validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import * as nip19 from "nostr-tools/nip19";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;
const GROUP = "Night Shift Workers";

beforeAll(async () => {
  root = tempRoot("rally-cli-bad-");
  relay = await startRelay({ keepData: true });
  alice = new Person("Alice Aardvark", root);
  bob = new Person("Bob Bumblebee", root);
  await alice.createAccount(relay.url);
  await bob.createAccount(relay.url);
  await alice.ok("group", "create", GROUP);
  await alice.ok("group", "invite", GROUP, bob.npub);
  const invites = await bob.ok<{ id: string }[]>("invites");
  await bob.ok("invites", "accept", invites[0]!.id);
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(relay.dataDir, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe("plain-words errors", { timeout: 300_000 }, () => {
  it("an unknown group", async () => {
    const r = await alice.fails("chat", "send", "No Such Group", "hello");
    expect(r.error).toMatch(/no group "No Such Group"/i);
    expect(r.stderr).toMatch(/rally group list/);
    const list = await alice.fails("chat", "list", "No Such Group", "--offline");
    expect(list.code).toBe(1);
  });

  it("chat list pages back with --before; an unknown message id is refused in plain words", async () => {
    // Sent one right after another (often within one second): they keep the order they were sent in.
    for (const text of ["page one", "page two", "page three"]) await alice.ok("chat", "send", GROUP, text);
    const newest = await alice.ok<{ id: string; type: string; text?: string }[]>(
      "chat",
      "list",
      GROUP,
      "--limit",
      "2",
      "--offline",
    );
    expect(newest.map((e) => e.text)).toEqual(["page two", "page three"]);
    const older = await alice.ok<{ id: string; text?: string }[]>(
      "chat",
      "list",
      GROUP,
      "--limit",
      "1",
      "--before",
      newest[0]!.id,
      "--offline",
    );
    expect(older.map((e) => e.text)).toEqual(["page one"]);
    const r = await alice.fails("chat", "list", GROUP, "--before", "not-a-message", "--offline");
    expect(r.code).toBe(1);
    expect(r.error).toMatch(/no message "not-a-message"/i);
  });

  it("an ambiguous group name lists the ids to choose from", async () => {
    const a = await alice.ok<{ id: string }>("group", "create", "Twins");
    const b = await alice.ok<{ id: string }>("group", "create", "Twins");
    const r = await alice.fails("chat", "send", "Twins", "hi");
    expect(r.error).toMatch(/more than one group is called "Twins"/i);
    expect(r.error).toContain(a.id);
    expect(r.error).toContain(b.id);
    await alice.ok("chat", "send", a.id, "by id works");
  });

  it("a malformed npub, and a secret key pasted by mistake (never echoed)", async () => {
    const r = await alice.fails("group", "invite", GROUP, "npub1notarealaddress");
    expect(r.error).toMatch(/not a Rally account address/i);
    const nsec = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5";
    const s = await alice.fails("group", "invite", GROUP, nsec);
    expect(s.error).toMatch(/secret key/i);
    expect(`${s.error}${s.stderr}`).not.toContain(nsec);
  });

  it("a home without an account", async () => {
    const nobody = new Person("Nobody Here", root);
    const r = await nobody.fails("group", "create", "Anything");
    expect(r.error).toMatch(/no account on this device/i);
    expect(r.error).toMatch(/rally account create/);
  });

  it("recovery from the twelve words: the same person, groups only by re-invitation; wrong words refused", async () => {
    const { words } = await alice.ok<{ words: string }>("account", "words");
    const second = new Person("Second Device", root);
    const recovered = await second
      .given(`${words}\n`)
      .ok<{ npub: string; note: string }>("account", "recover", "--name", "Alice", "--relay", relay.url);
    expect(recovered.npub).toBe(alice.npub);
    expect(recovered.note).toMatch(/invite/i);
    expect(await second.ok("group", "list", "--offline")).toEqual([]);
    const wrong = new Person("Wrong Words", root);
    const r = await wrong.given(wrongOrder(words)).fails("account", "recover");
    expect(r.error).toMatch(/recovery words/i);
    expect(`${r.error}${r.stderr}`).not.toContain(words);
    const short = await wrong.given("apple banana").fails("account", "recover");
    expect(short.error).toMatch(/12|twelve/i);
  });

  it("bad event and poll input", async () => {
    expect((await alice.fails("event", "create", GROUP, "--start", "2027-01-01T10:00")).error).toMatch(
      /needs a title/i,
    );
    expect(
      (await alice.fails("event", "create", GROUP, "--title", "X", "--start", "tomorrow")).error,
    ).toMatch(/start/i);
    expect(
      (
        await alice.fails(
          "event",
          "create",
          GROUP,
          "--title",
          "X",
          "--start",
          "2027-01-01T10:00",
          "--tz",
          "Mars/Olympus",
        )
      ).error,
    ).toMatch(/time zone/i);
    expect((await alice.fails("event", "rsvp", GROUP, "deadbeef", "perhaps")).error).toMatch(
      /going, maybe or declined/,
    );
    expect((await alice.fails("event", "rsvp", GROUP, "f".repeat(64), "going")).error).toMatch(/no event/i);
    expect((await alice.fails("poll", "create", GROUP, "Lunch?", "--option", "only one")).error).toMatch(
      /two/,
    );
  });

  it("a damaged invite link", async () => {
    const r = await bob.fails("join", "http://127.0.0.1:7447/#join=AQCdamaged");
    expect(r.error).toMatch(/damaged|not an invite link/i);
  });

  it("someone who is already a member, or removing someone who is not", async () => {
    expect((await alice.fails("group", "invite", GROUP, bob.npub)).error).toMatch(/already in/i);
    const stranger = new Person("Stranger Danger", root);
    await stranger.createAccount(relay.url);
    expect((await alice.fails("group", "remove", GROUP, stranger.npub)).error).toMatch(/is not in/i);
  });
});

describe("relay unreachable: a clear error, and nothing lost", { timeout: 300_000 }, () => {
  it("keeps a message sent while the relay is down and delivers it when it is back", async () => {
    const port = new URL(relay.url).port;
    const dataDir = relay.dataDir;
    await relay.kill();

    const text = "Typed while the relay was down";
    const sent = await alice.run("chat", "send", GROUP, text);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ text, state: "pending" });
    expect(sent.stderr).toMatch(/not delivered yet/i);

    const sync = await alice.fails("sync");
    expect(sync.error).toMatch(/could not reach any relay/i);
    expect(sync.error).toMatch(/nothing is lost/i);

    // Inviting needs the person's key package from a relay: a clear error, nothing half-done.
    const someone = nip19.npubEncode(getPublicKey(generateSecretKey()));
    const invite = await alice.fails("group", "invite", GROUP, someone);
    expect(invite.error).toMatch(/could not reach any relay/i);

    // Offline reading still shows what the device has, including the queued message.
    const local = await alice.ok<{ text: string; state: string }[]>("chat", "list", GROUP, "--offline");
    expect(local.at(-1)).toMatchObject({ text, state: "pending" });

    relay = await startRelay({ dataDir, ownData: true, keepData: true, args: ["--port", port] });
    expect(new URL(relay.url).port).toBe(port);

    const report = await alice.ok<{ sent: number; pendingOutbox: number }>("sync");
    expect(report.pendingOutbox).toBe(0);
    const bobSees = await bob.ok<{ text: string; author: string }[]>("chat", "list", GROUP);
    expect(bobSees.map((m) => m.text)).toContain(text);
    const mine = await alice.ok<{ text: string; state: string }[]>("chat", "list", GROUP, "--offline");
    expect(mine.at(-1)).toMatchObject({ text, state: "sent" });
  });

  it("without any relay at all, reading commands still answer from the device", async () => {
    const r = await rally(["group", "list", "--home", alice.home, "--json", "--offline"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).length).toBeGreaterThan(0);
  });
});

/**
 * The person's twelve words in another order that fails the words' own check. Some reorderings
 * (about one in sixteen) pass it and name another key, so the first rotation that fails is used.
 */
function wrongOrder(words: string): string {
  const list = words.split(" ");
  for (let k = 1; k < list.length; k++) {
    const candidate = [...list.slice(k), ...list.slice(0, k)].join(" ");
    if (!validateMnemonic(candidate, wordlist)) return candidate;
  }
  throw new Error("every rotation of these words passes the check");
}

/**
 * Invite links through the `rally` command (issue 5's CLI side): `rally group link` prints a link
 * whose secret is only in its fragment; `rally join LINK` waits until an admin's device syncs and
 * lets the person in; a link that needs approval keeps the request waiting for `rally group approve`;
 * a used-up link lets nobody else in. The relay never sees the group's name or the joiners' names.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { findInFiles, Person, rally, tempRoot } from "./support.ts";

interface Link {
  id: string;
  url: string;
  uses: number | null;
  used: number;
  approve: boolean;
}
type JoinState =
  | { state: "waiting"; group: string | null }
  | { state: "joined"; groupId: string; name: string };

const GROUP = "Harbour Mutual Aid";
let relay: RelayHandle;
let root: string;
let alice: Person;
let dan: Person;
let erin: Person;
let frank: Person;

beforeAll(async () => {
  root = tempRoot("rally-cli-links-");
  relay = await startRelay({ keepData: true });
  alice = new Person("Alice Aardvark", root);
  dan = new Person("Dan Dragonfly", root);
  erin = new Person("Erin Earwig", root);
  frank = new Person("Frank Firefly", root);
  for (const p of [alice, dan, erin, frank]) await p.createAccount(relay.url);
  await alice.ok("group", "create", GROUP);
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(relay.dataDir, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe("invite links through the CLI", { timeout: 300_000 }, () => {
  it("a one-use link: Dan waits, Alice's device lets him in, Frank is too late", async () => {
    const link = await alice.ok<Link>("group", "link", GROUP, "--uses", "1", "--expires", "7d");
    expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#join=[A-Za-z0-9_-]+$/);
    expect(link).toMatchObject({ uses: 1, used: 0, approve: false });

    const waiting = await dan.ok<JoinState>("join", link.url);
    expect(waiting).toEqual({ state: "waiting", group: GROUP });
    await frank.ok<JoinState>("join", link.url);

    await alice.ok("sync"); // an admin device comes online and answers the requests
    const joined = await dan.ok<JoinState>("join", link.url);
    expect(joined).toMatchObject({ state: "joined", name: GROUP });

    await dan.ok("chat", "send", GROUP, "Thanks for the link");
    const seen = await alice.ok<{ type: string; author: string; authorName: string; text: string }[]>(
      "chat",
      "list",
      GROUP,
    );
    const messages = seen.filter((m) => m.type === "message");
    expect(messages.map((m) => [m.author, m.authorName, m.text])).toEqual([
      [dan.npub, "Dan Dragonfly", "Thanks for the link"],
    ]);
    const members = await dan.ok<{ npub: string; name: string }[]>("group", "members", GROUP);
    expect(members.map((m) => m.name).sort()).toEqual(["Alice Aardvark", "Dan Dragonfly"]);

    // The link had one use: Frank's request is refused and he stays outside.
    expect(await frank.ok<JoinState>("join", link.url)).toEqual({ state: "waiting", group: GROUP });
    expect((await alice.ok<{ npub: string }[]>("group", "members", GROUP)).map((m) => m.npub)).not.toContain(
      frank.npub,
    );
  });

  it("a link that needs approval keeps Erin waiting until an admin approves", async () => {
    const link = await alice.ok<Link>("group", "link", GROUP, "--approve");
    expect(link.approve).toBe(true);
    expect(await erin.ok<JoinState>("join", link.url)).toEqual({ state: "waiting", group: GROUP });
    const requests = await alice.ok<{ id: string; name: string }[]>("group", "requests", GROUP);
    expect(requests).toEqual([
      { id: expect.any(String), name: "Erin Earwig", requestedAt: expect.any(Number) },
    ]);
    expect(await erin.ok<JoinState>("join", link.url)).toMatchObject({ state: "waiting" });
    await alice.ok("group", "approve", GROUP, requests[0]!.id);
    expect(await erin.ok<JoinState>("join", link.url)).toMatchObject({ state: "joined", name: GROUP });
    expect(await alice.ok("group", "requests", GROUP)).toEqual([]);
  });

  it("refuses a link that is not one, and non-admins cannot make links", async () => {
    expect((await dan.fails("join", "https://example.org/some/page")).error).toMatch(
      /not a Rally invite link/i,
    );
    expect((await dan.fails("group", "link", GROUP)).error).toMatch(/only an admin/i);
    expect((await alice.fails("group", "link", GROUP, "--expires", "soon")).error).toMatch(/duration/i);
  });

  it("refuses a damaged link before anything is sent: changed, cut short, foreign characters, wrong check", async () => {
    const DAMAGED = "This invite link is damaged (a character was changed or lost). Ask for the link again.";
    const link = await alice.ok<Link>("group", "link", GROUP);
    const start = link.url.indexOf("#join=") + "#join=".length;
    const payload = link.url.slice(start);
    const origin = link.url.slice(0, start);
    // Payload characters 46–65 carry only the link's secret.
    const at = 50;
    const changedSecret = `${origin}${payload.slice(0, at)}${payload[at] === "Q" ? "R" : "Q"}${payload.slice(at + 1)}`;
    const bytes = Buffer.from(payload, "base64url");
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    const wrongCheck = `${origin}${bytes.toString("base64url")}`;
    for (const damaged of [
      changedSecret,
      link.url.slice(0, -3),
      `${origin}${payload.slice(0, 40)}!${payload.slice(41)}`,
      `rally:join=${payload.slice(0, 30)} ${payload.slice(30)}`,
      wrongCheck,
    ]) {
      const r = await frank.fails("join", damaged);
      expect(r.code, damaged).not.toBe(0);
      expect(r.error, damaged).toBe(DAMAGED);
    }
    // Without --json, people read the same words.
    const plain = await rally(["join", changedSecret, "--home", frank.home]);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr + plain.stdout).toContain(DAMAGED);
    // Nothing reached the relay for this link: no join request was queued or sent.
    expect(findInFiles(relay.dataDir, [link.id])).toEqual([]);
    await frank.ok("sync");
    expect(findInFiles(relay.dataDir, [link.id])).toEqual([]);
    // The undamaged link goes out (and the relay's files then show its key).
    expect(await frank.ok<JoinState>("join", link.url)).toEqual({ state: "waiting", group: GROUP });
    expect(findInFiles(relay.dataDir, [link.id]).length).toBeGreaterThan(0);
  });

  it("leaves the group's and the joiners' names out of the relay's files", async () => {
    expect(
      findInFiles(relay.dataDir, [
        GROUP,
        "Dan Dragonfly",
        "Erin Earwig",
        "Frank Firefly",
        "Thanks for the link",
      ]),
    ).toEqual([]);
  });
});

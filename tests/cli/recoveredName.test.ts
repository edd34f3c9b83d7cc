/**
 * A device recovered from the twelve words without `--name` (issue 3, `account recover`): when a
 * group admin invites it back, it must not rename its person to the placeholder for everyone. The
 * group's directory (names are never on a relay) tells it the name the group already knows.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, tempRoot } from "./support.ts";

const GROUP = "Seed Library";

let relay: RelayHandle;
let root: string;
let ann: Person;
let ben: Person;
let annAgain: Person;

beforeAll(async () => {
  root = tempRoot("rally-cli-recovered-name-");
  relay = await startRelay();
  ann = new Person("Ann Thistle", root);
  ben = new Person("Ben Burdock", root);
  annAgain = new Person("Recovered device", root);
  for (const p of [ann, ben]) await p.createAccount(relay.url);
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const names = async (p: Person) =>
  (await p.ok<{ name: string }[]>("group", "members", GROUP)).map((m) => m.name).sort();

describe("a recovered device invited back", { timeout: 300_000 }, () => {
  it("keeps the person's name in the group, for everyone and on the device itself", async () => {
    await ben.ok("group", "create", GROUP, "--relay", relay.url);
    await ben.ok("group", "invite", GROUP, ann.npub);
    await ann.ok("sync");
    await ann.ok("invites", "accept", (await ann.ok<{ id: string }[]>("invites"))[0]!.id);
    await ben.ok("sync");
    expect(await names(ben)).toEqual(["Ann Thistle", "Ben Burdock"]);

    const { words } = await ann.ok<{ words: string }>("account", "words");
    const recovered = await annAgain
      .given(words)
      .ok<{ npub: string; name: string }>("account", "recover", "--relay", relay.url);
    expect(recovered.npub).toBe(ann.npub);

    await ben.ok("group", "invite", GROUP, ann.npub);
    await annAgain.ok("sync");
    await annAgain.ok("invites", "accept", (await annAgain.ok<{ id: string }[]>("invites"))[0]!.id);
    await ben.ok("sync");
    expect(await names(ben)).toEqual(["Ann Thistle", "Ben Burdock"]);
    expect(await names(annAgain)).toEqual(["Ann Thistle", "Ben Burdock"]);
  });
});

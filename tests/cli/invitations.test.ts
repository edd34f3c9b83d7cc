/**
 * Invitations through the `rally` command (security review F7b): a welcome that answers no request
 * of the person's is an invitation that stays inert until accepted. `rally invites` shows who
 * invited them and into what from the welcome alone; `rally invites decline` forgets one without
 * telling anyone; `rally invites block NPUB` drops an inviter's invitations, now and later.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, tempRoot } from "./support.ts";

interface Invite {
  id: string;
  group: string;
  from: string;
  fromName: string;
  receivedAt: number;
}
interface Group {
  id: string;
  name: string;
  members: number;
}

let relay: RelayHandle;
let root: string;
let olga: Person;
let pia: Person;
let quinn: Person;

beforeAll(async () => {
  root = tempRoot("rally-cli-invitations-");
  relay = await startRelay({ keepData: true });
  olga = new Person("Olga Otter", root);
  pia = new Person("Pia Pelican", root);
  quinn = new Person("Quinn Quail", root);
  for (const p of [olga, pia, quinn]) await p.createAccount(relay.url);
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(relay.dataDir, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe("invitations through the CLI", { timeout: 600_000 }, () => {
  it("F7b: shows the group and who invited from the welcome alone; joins only on accept", async () => {
    const g = await olga.ok<Group>("group", "create", "Allotment");
    await olga.ok("group", "invite", g.id, pia.npub);
    const invites = await pia.ok<Invite[]>("invites");
    expect(invites).toEqual([
      {
        id: g.id,
        group: "Allotment",
        from: olga.npub,
        fromName: "Olga Otter",
        receivedAt: expect.any(Number),
      },
    ]);
    // Not a group of hers until she says yes.
    expect(await pia.ok<Group[]>("group", "list")).toEqual([]);
    const joined = await pia.ok<Group>("invites", "accept", invites[0]!.id);
    expect(joined).toMatchObject({ id: g.id, name: "Allotment", members: 2 });
    expect(await pia.ok<Invite[]>("invites")).toEqual([]);
  });

  it("F7b: declines an invitation and blocks an inviter whose later invitations are dropped", async () => {
    const first = await quinn.ok<Group>("group", "create", "Offers 1");
    await quinn.ok("group", "invite", first.id, pia.npub);
    const [one] = await pia.ok<Invite[]>("invites");
    expect(one).toMatchObject({ group: "Offers 1", from: quinn.npub });
    expect(await pia.ok("invites", "decline", one!.id)).toEqual({ id: one!.id, declined: true });
    expect(await pia.ok<Invite[]>("invites")).toEqual([]);

    const second = await quinn.ok<Group>("group", "create", "Offers 2");
    await quinn.ok("group", "invite", second.id, pia.npub);
    expect((await pia.ok<Invite[]>("invites")).map((i) => i.group)).toEqual(["Offers 2"]);
    expect(await pia.ok("invites", "block", quinn.npub)).toEqual({
      npub: quinn.npub,
      blocked: true,
      dropped: 1,
    });
    expect(await pia.ok<Invite[]>("invites")).toEqual([]);

    const third = await quinn.ok<Group>("group", "create", "Offers 3");
    await quinn.ok("group", "invite", third.id, pia.npub);
    expect(await pia.ok<Invite[]>("invites")).toEqual([]);
    expect((await pia.ok<Group[]>("group", "list")).map((x) => x.name)).toEqual(["Allotment"]);
    // Someone else's invitations still arrive.
    const more = await olga.ok<Group>("group", "create", "Seed swap");
    await olga.ok("group", "invite", more.id, pia.npub);
    expect((await pia.ok<Invite[]>("invites")).map((i) => i.group)).toEqual(["Seed swap"]);
  });
});

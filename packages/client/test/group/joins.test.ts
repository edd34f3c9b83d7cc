/**
 * Welcomes, invitations and invite links against hostile senders (security review F2, F7, F12),
 * with in-process clients (real SQLite homes, real MLS) over real relay processes:
 *
 * - a link join is answered only by a welcome that proves it read the request (F7a);
 * - any other welcome is an invitation that contacts nothing until accepted; people can decline
 *   it and block its sender (F7b);
 * - counted links admit only on the device that made them; removed people wait for approval; a
 *   removed admin's link share does nothing; an admin's departure revokes the links they knew (F12, F2).
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { makeRumor, sealRumor } from "@rally/protocol/app";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../../../../tests/helpers/relay.ts";
import type { GroupRecord } from "../../src/group/groupRecord.ts";
import {
  acceptLinkShare,
  KIND_LINK_SHARE,
  type LinkRecord,
  linksAfterAdminChange,
} from "../../src/group/inviteLinks.ts";
import { openNodeRally as createNodeClient } from "../../src/platform/node/nodeClient.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { keys } from "../../src/store/keys.ts";

let relay: RelayHandle;
let root: string;
const clients: Rally[] = [];

async function person(name: string, relays = [relay.url]): Promise<Rally> {
  const client = await createNodeClient({ home: path.join(root, name), fetchTimeoutMs: 8_000 });
  await client.createAccount({ name, relays });
  await client.deliver(8_000);
  clients.push(client);
  return client;
}

async function npub(c: Rally): Promise<string> {
  return (await c.account())!.npub;
}

async function acceptAll(c: Rally): Promise<void> {
  await c.sync();
  for (const inv of await c.invites()) await c.acceptInvite(inv.id);
  await c.deliver(8_000);
}

async function memberNames(c: Rally, group: string): Promise<string[]> {
  return (await c.members(group)).map((m) => m.name).sort();
}

/** A TCP proxy in front of a relay that counts the connections made through it. */
interface CountingProxy {
  url: string;
  connections(): number;
  close(): Promise<void>;
}

async function countingProxy(target: string): Promise<CountingProxy> {
  const { hostname, port } = new URL(target);
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `ws://127.0.0.1:${address.port}`,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-joins-"));
  relay = await startRelay();
}, 600_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("welcomes, invitations and invite links", { timeout: 300_000 }, () => {
  it("F7a: a stranger's welcome for the published key package does not answer a pending link join", async () => {
    const admin = await person("Ada");
    const victim = await person("Vera");
    const stranger = await person("Stan");
    const g = await admin.createGroup({ name: "Tenants" });
    const link = await admin.createInviteLink(g.id, { approve: true });
    await admin.deliver(8_000);
    expect(await victim.join(link.url)).toMatchObject({ state: "waiting" });
    await victim.deliver(8_000);

    // The stranger invites the waiting person with their published key package (the one in the request).
    const s = await stranger.createGroup({ name: "Book Club" });
    await stranger.invite(s.id, await npub(victim));
    await stranger.deliver(8_000);
    await stranger.sync();
    await victim.sync();
    await victim.deliver(8_000);

    expect(await victim.joinState(link.url)).toMatchObject({ state: "waiting" });
    expect((await victim.groups()).map((x) => x.name)).not.toContain("Book Club");
    // It is an ordinary invitation now, and nothing of the victim reached the stranger's group.
    expect((await victim.invites()).map((i) => i.group)).toEqual(["Book Club"]);
    await stranger.sync();
    expect(await memberNames(stranger, s.id)).not.toContain("Vera");

    // The admin's answer does let the person in, without asking.
    await admin.sync();
    const [pending] = await admin.pendingJoins(g.id);
    expect(pending?.name).toBe("Vera");
    await admin.approveJoin(g.id, pending!.id);
    await admin.deliver(8_000);
    await admin.sync();
    await victim.sync();
    expect(await victim.joinState(link.url)).toMatchObject({ state: "joined", groupId: g.id });
    await victim.deliver(8_000);
    await admin.sync();
    expect(await memberNames(admin, g.id)).toEqual(["Ada", "Vera"]);
  });

  it("F7b: an invitation is inert until accepted: no connection to the inviter's relay, decline and block", async () => {
    const proxy = await countingProxy(relay.url);
    try {
      const sly = await person("Sly");
      const vic = await person("Vic");
      // The inviter's group lives on a relay of the inviter's choosing (the counting proxy).
      const g = await sly.createGroup({ name: "Garden plot", relays: [proxy.url] });
      await sly.invite(g.id, await npub(vic));
      await sly.deliver(8_000);
      await sly.close();
      const before = proxy.connections();
      expect(before).toBeGreaterThan(0);

      await vic.sync();
      const invites = await vic.invites();
      expect(invites).toEqual([
        {
          id: g.id,
          group: "Garden plot",
          from: await npub(sly),
          fromName: "Sly",
          receivedAt: expect.any(Number),
        },
      ]);
      await vic.sync();
      expect(await vic.groups()).toEqual([]);
      expect(proxy.connections()).toBe(before);

      // Accepting is what joins: only now does the device go to the group's relay.
      const joined = await vic.acceptInvite(invites[0]!.id);
      expect(joined).toMatchObject({ id: g.id, name: "Garden plot", members: 2 });
      expect(proxy.connections()).toBeGreaterThan(before);
    } finally {
      await proxy.close();
    }
  });

  it("F7b: declined invitations are forgotten; a blocked inviter's later welcomes are dropped", async () => {
    const rex = await person("Rex");
    const una = await person("Una");
    const first = await rex.createGroup({ name: "First" });
    await rex.invite(first.id, await npub(una));
    await rex.deliver(8_000);
    await una.sync();
    expect((await una.invites()).map((i) => i.group)).toEqual(["First"]);
    await una.declineInvite((await una.invites())[0]!.id);
    expect(await una.invites()).toEqual([]);
    await una.sync();
    expect(await una.invites()).toEqual([]);

    const second = await rex.createGroup({ name: "Second" });
    await rex.invite(second.id, await npub(una));
    await rex.deliver(8_000);
    await una.sync();
    expect((await una.invites()).map((i) => i.group)).toEqual(["Second"]);
    expect(await una.blockInviter(await npub(rex))).toEqual({ dropped: 1 });
    expect(await una.invites()).toEqual([]);

    const third = await rex.createGroup({ name: "Third" });
    await rex.invite(third.id, await npub(una));
    await rex.deliver(8_000);
    await una.sync();
    expect(await una.invites()).toEqual([]);
    expect(await una.groups()).toEqual([]);
  });

  it("F12: a link with a number of uses admits only on the device that made it", async () => {
    const kim = await person("Kit");
    const lou = await person("Lia");
    const mo = await person("Max");
    const g = await kim.createGroup({ name: "Counted" });
    await kim.invite(g.id, await npub(lou));
    await acceptAll(lou);
    await kim.setAdmin(g.id, await npub(lou), true);
    await kim.deliver(8_000);
    await lou.sync();
    const link = await kim.createInviteLink(g.id, { uses: 1 });
    await kim.deliver(8_000);
    await lou.sync();
    expect((await lou.inviteLinks(g.id)).map((l) => l.id)).toEqual([link.id]);

    await mo.join(link.url);
    await mo.deliver(8_000);
    // The other admin's device does not spend the use: it could not know whether Kit's did.
    await lou.sync();
    await lou.deliver(8_000);
    await mo.sync();
    expect(await mo.joinState(link.url)).toMatchObject({ state: "waiting" });
    expect(await memberNames(lou, g.id)).toEqual(["Kit", "Lia"]);

    await kim.sync();
    await kim.deliver(8_000);
    await mo.sync();
    expect(await mo.joinState(link.url)).toMatchObject({ state: "joined", groupId: g.id });
    expect((await kim.inviteLinks(g.id))[0]).toMatchObject({ uses: 1, used: 1 });
  });

  it("F12: a person the group removed waits for an admin's approval, even on a link that asks none", async () => {
    const amy = await person("Amy");
    const bo = await person("Bo");
    const g = await amy.createGroup({ name: "Removed once" });
    await amy.invite(g.id, await npub(bo));
    await acceptAll(bo);
    await amy.remove(g.id, await npub(bo));
    await amy.deliver(8_000);
    await amy.sync();
    expect(await memberNames(amy, g.id)).toEqual(["Amy"]);

    const link = await amy.createInviteLink(g.id, {});
    await bo.join(link.url);
    await bo.deliver(8_000);
    await amy.sync();
    await amy.deliver(8_000);
    expect(await memberNames(amy, g.id)).toEqual(["Amy"]);
    const pending = await amy.pendingJoins(g.id);
    expect(pending.map((p) => p.name)).toEqual(["Bo"]);

    await amy.approveJoin(g.id, pending[0]!.id);
    await amy.deliver(8_000);
    await amy.sync();
    await bo.sync();
    expect(await bo.joinState(link.url)).toMatchObject({ state: "joined", groupId: g.id });
  });

  it("F12: when an admin is removed or demoted, every link they knew is revoked", async () => {
    const ann = await person("Ann");
    const ben = await person("Ben");
    const g = await ann.createGroup({ name: "Rotating" });
    await ann.invite(g.id, await npub(ben));
    await acceptAll(ben);
    await ann.setAdmin(g.id, await npub(ben), true);
    await ann.deliver(8_000);
    await ann.sync();
    const link = await ann.createInviteLink(g.id, {});
    const before = await ann.groupsSvc.record(g.id);
    const benKey = (await ben.account())!.pubkey;
    const demoted: GroupRecord = { ...before, admins: before.admins.filter((a) => a !== benKey) };
    const removed: GroupRecord = { ...before, members: before.members.filter((m) => m !== benKey) };
    for (const after of [demoted, removed]) {
      const ops = await linksAfterAdminChange(ann.groupsSvc, before, after);
      expect(ops).toHaveLength(1);
      const op = ops[0]!;
      expect(op.op === "put" && op.key === keys.inviteLink(g.id, link.id)).toBe(true);
      expect(op.op === "put" && (op.value as LinkRecord).revoked).toBe(true);
    }
    // A change that keeps every admin (someone else renamed the group, or an admin was added) keeps them.
    expect(await linksAfterAdminChange(ann.groupsSvc, before, { ...before, name: "Renamed" })).toEqual([]);
    // A share read in the same batch as the removal is revoked too.
    const queued = [
      {
        op: "put" as const,
        key: keys.inviteLink(g.id, "f".repeat(64)),
        value: {
          ...(await ann.core.store.get<LinkRecord>(keys.inviteLink(g.id, link.id)))!,
          id: "f".repeat(64),
        },
      },
    ];
    expect(await linksAfterAdminChange(ann.groupsSvc, before, removed, queued)).toHaveLength(2);
  });

  it("F12: removing an admin revokes the links they knew on the remaining admin's device", async () => {
    const ivy = await person("Ivy");
    const jon = await person("Jon");
    const kat = await person("Kat");
    const g = await ivy.createGroup({ name: "Rotation" });
    await ivy.invite(g.id, await npub(jon));
    await acceptAll(jon);
    await ivy.setAdmin(g.id, await npub(jon), true);
    await ivy.deliver(8_000);
    await ivy.sync();
    const link = await ivy.createInviteLink(g.id, {});
    await ivy.deliver(8_000);
    await jon.sync();
    expect((await jon.inviteLinks(g.id)).map((l) => l.id)).toEqual([link.id]);

    await ivy.remove(g.id, await npub(jon));
    await ivy.deliver(8_000);
    await ivy.sync();
    expect(await memberNames(ivy, g.id)).toEqual(["Ivy"]);
    expect((await ivy.inviteLinks(g.id)).find((l) => l.id === link.id)?.revoked).toBe(true);

    // Nobody gets in through it any more (Jon holds its key and could read and answer requests).
    await kat.join(link.url);
    await kat.deliver(8_000);
    await ivy.sync();
    await ivy.deliver(8_000);
    expect(await memberNames(ivy, g.id)).toEqual(["Ivy"]);
  });

  it("F12: a link share counts only from a current admin who is a member, carried in the current epoch", async () => {
    const ann = await person("Ana");
    const ben = await person("Ben2");
    const cal = await person("Cal");
    const g = await ann.createGroup({ name: "Shares" });
    await ann.invite(g.id, await npub(ben));
    await ann.invite(g.id, await npub(cal));
    await acceptAll(ben);
    await acceptAll(cal);
    await ann.setAdmin(g.id, await npub(cal), true);
    await ann.deliver(8_000);
    await ann.sync();
    await cal.sync();
    await cal.createInviteLink(g.id, {});
    const [row] = await cal.core.store.list<LinkRecord>(keys.inviteLinkPrefix(g.id));
    const link = row!.value;
    const rec = await ann.groupsSvc.record(g.id);
    const annKey = (await ann.account())!.pubkey;
    const shareFrom = (from: Rally) => {
      const { secretKey } = from.core.requireSecrets();
      const pubkey = from.core.requireAccount().pubkey;
      const inner = makeRumor({
        pubkey,
        createdAt: rec.lastRead,
        kind: KIND_LINK_SHARE,
        tags: [["d", link.id]],
        content: JSON.stringify({ ...link, revoked: false }),
      });
      return sealRumor({ inner, senderSecretKey: secretKey, recipients: [annKey], createdAt: rec.lastRead });
    };
    // From an admin who is a member, in the current epoch: taken.
    expect(await acceptLinkShare(ann.groupsSvc, rec, shareFrom(cal), rec.epoch)).toMatchObject({
      op: "put",
      key: keys.inviteLink(g.id, link.id),
    });
    // Carried in an earlier epoch (a removed admin writes there): refused.
    expect(await acceptLinkShare(ann.groupsSvc, rec, shareFrom(cal), rec.epoch - 1)).toBeNull();
    // From a member who is not an admin: refused.
    expect(await acceptLinkShare(ann.groupsSvc, rec, shareFrom(ben), rec.epoch)).toBeNull();
    // From someone still listed as admin but no longer a member: refused.
    const calKey = (await cal.account())!.pubkey;
    const gone = { ...rec, members: rec.members.filter((m) => m !== calKey) };
    expect(await acceptLinkShare(ann.groupsSvc, gone, shareFrom(cal), rec.epoch)).toBeNull();
  });

  it("F2: a removed admin's link share made in an old epoch does not bring them back", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const carol = await person("Carol");
    const g = await alice.createGroup({ name: "Co-op" });
    await alice.invite(g.id, await npub(bob));
    await alice.invite(g.id, await npub(carol));
    await acceptAll(bob);
    await acceptAll(carol);
    await alice.setAdmin(g.id, await npub(bob), true);
    await alice.deliver(8_000);
    await bob.sync();
    await carol.sync();
    expect((await bob.members(g.id)).find((m) => m.name === "Bob")?.admin).toBe(true);

    // Alice removes Bob; Bob's device keeps the old epoch and does not sync.
    await alice.remove(g.id, await npub(bob));
    await alice.deliver(8_000);
    await alice.sync();
    expect(await memberNames(alice, g.id)).toEqual(["Alice", "Carol"]);

    // In that epoch he makes a link that lets people in without asking, shares it, and uses it.
    const link = await bob.createInviteLink(g.id, {});
    await bob.deliver(8_000);
    await bob.join(link.url);
    await bob.deliver(8_000);
    await alice.sync();
    await alice.deliver(8_000);
    await carol.sync();

    expect((await alice.inviteLinks(g.id)).map((l) => l.id)).not.toContain(link.id);
    expect(await memberNames(alice, g.id)).toEqual(["Alice", "Carol"]);
    expect(await memberNames(carol, g.id)).toEqual(["Alice", "Carol"]);
    expect(await bob.joinState(link.url)).toMatchObject({ state: "waiting" });
  });
});

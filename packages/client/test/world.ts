/**
 * A test world for client tests over a real relay: one relay process, people with real SQLite
 * homes (clients built as `createNodeClient` builds them) and one clock every client of the world
 * reads, which a test may move (`clock.offsetMs`). Plus the few steps most group tests share.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { type RelayHandle, startRelay } from "../../../tests/helpers/relay.ts";
import { nodeCryptoBackend } from "../src/core/nodeCrypto.ts";
import type { WebSocketConstructor } from "../src/net/websocket.ts";
import { createRallyClient, type Rally } from "../src/rallyClient.ts";
import { openHomeStore } from "../src/store/sqlite.ts";

export interface World {
  relay: RelayHandle;
  root: string;
  /** Added to the real clock for every client of this world (ms). */
  clock: { offsetMs: number };
  clients: Rally[];
}

export async function startWorld(name: string): Promise<World> {
  return {
    relay: await startRelay(),
    root: fs.mkdtempSync(path.join(os.tmpdir(), `rally-${name}-`)),
    clock: { offsetMs: 0 },
    clients: [],
  };
}

export async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  for (const c of w.clients) await c.close().catch(() => undefined);
  await w.relay.stop();
  fs.rmSync(w.root, { recursive: true, force: true });
}

let homes = 0;

/**
 * A person with an account on a real client (as `createNodeClient` builds it), reading the world's
 * clock or one of their own (a device set a little wrong).
 */
export async function person(w: World, name: string, clock: { offsetMs: number } = w.clock): Promise<Rally> {
  const client = await createRallyClient({
    store: openHomeStore(path.join(w.root, `${name}-${++homes}`)),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    mlsCrypto: nodeCryptoBackend(),
    fetchTimeoutMs: 8_000,
    nowMs: () => Date.now() + clock.offsetMs,
  });
  w.clients.push(client);
  await client.createAccount({ name, relays: [w.relay.url] });
  await client.deliver(8_000);
  return client;
}

export async function pubkeyOf(c: Rally): Promise<string> {
  const a = await c.account();
  if (!a) throw new Error("no account");
  return a.pubkey;
}

export async function npubOf(c: Rally): Promise<string> {
  const a = await c.account();
  if (!a) throw new Error("no account");
  return a.npub;
}

/** Fetches invitations and accepts them all. */
export async function acceptAll(c: Rally): Promise<void> {
  await c.sync();
  for (const inv of await c.invites()) await c.acceptInvite(inv.id);
  await c.deliver(8_000);
}

/** A group made by `admin` with `others` in it (each accepted), every device synced. */
export async function groupWith(admin: Rally, others: Rally[], name: string): Promise<string> {
  const g = await admin.createGroup({ name });
  for (const o of others) {
    await admin.invite(g.id, await npubOf(o));
    await acceptAll(o);
  }
  for (const c of [admin, ...others]) await c.sync();
  return g.id;
}

/** What a device shows of a group: name, description, relays, admins and members (sorted). */
export async function viewOf(c: Rally, group: string) {
  const rec = await c.groupsSvc.record(group);
  const members = await c.members(group);
  return {
    status: rec.status,
    name: rec.name,
    description: rec.description,
    relays: [...rec.relays].sort(),
    admins: members
      .filter((m) => m.admin)
      .map((m) => m.pubkey)
      .sort(),
    members: members.map((m) => m.pubkey).sort(),
  };
}

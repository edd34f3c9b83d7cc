/**
 * A test world for client tests over a real relay: one relay process, people with real SQLite
 * homes (clients built as `createNodeClient` builds them) and one clock every client of the world
 * reads, which a test may move (`clock.offsetMs`) to let time pass — the relay's clock moves with
 * it (`worldClock.mjs`), so a device that learns the relay's time sees its own clock as right.
 * A person may read a clock of their own instead (a device set wrong). Plus the few steps most
 * group tests share.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import WebSocket from "ws";
import { type RelayHandle, startRelay } from "../../../tests/helpers/relay.ts";
import type { WebSocketConstructor } from "../src/net/websocket.ts";
import { nodeCryptoBackend } from "../src/platform/node/nodeCrypto.ts";
import { openHomeVault } from "../src/platform/node/nodeVault.ts";
import { createRallyClient, type Rally } from "../src/rallyClient.ts";

export interface World {
  relay: RelayHandle;
  root: string;
  /** Added to the real clock for every client of this world and for its relay (ms). */
  clock: { offsetMs: number };
  clients: Rally[];
}

const clockPreload = path.join(path.dirname(fileURLToPath(import.meta.url)), "worldClock.mjs");

/** The world's clock: setting `offsetMs` also tells the relay process (through a file it reads). */
function worldClock(file: string): { offsetMs: number } {
  let offset = 0;
  const write = (ms: number) => {
    // Whole or not at all: the relay never reads half a number.
    fs.writeFileSync(`${file}.new`, String(ms));
    fs.renameSync(`${file}.new`, file);
  };
  write(0);
  return {
    get offsetMs() {
      return offset;
    },
    set offsetMs(ms: number) {
      offset = ms;
      write(ms);
    },
  };
}

export async function startWorld(name: string, relayArgs: string[] = []): Promise<World> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `rally-${name}-`));
  const file = path.join(root, "world-clock-offset-ms");
  const clock = worldClock(file);
  const relay = await startRelay({
    env: { NODE_OPTIONS: `--import=${clockPreload}`, RALLY_TEST_WORLD_CLOCK_FILE: file },
    args: relayArgs,
  });
  return { relay, root, clock, clients: [] };
}

export async function stopWorld(w: World | undefined): Promise<void> {
  if (!w?.relay) return;
  for (const c of w.clients) await c.close().catch(() => undefined);
  await w.relay.stop();
  fs.rmSync(w.root, { recursive: true, force: true });
}

/**
 * The world of one test file: started before its tests and stopped after them. The object is filled
 * in by `beforeAll`, so tests read it as usual (`person(w, "Alice")`).
 */
export function useWorld(name: string, relayArgs: string[] = []): World {
  const w = {} as World;
  beforeAll(async () => {
    Object.assign(w, await startWorld(name, relayArgs));
  }, 120_000);
  afterAll(() => stopWorld(w));
  return w;
}

let homes = 0;
const homeOfClient = new Map<Rally, string>();

/** The home folder (`rally.db` and its companions) of a world's person. */
export function homeOf(c: Rally): string {
  const home = homeOfClient.get(c);
  if (!home) throw new Error("not a person of a world");
  return home;
}

/**
 * A person with an account on a real client (as `createNodeClient` builds it), reading the world's
 * clock or one of their own (a device set a little wrong).
 */
export async function person(w: World, name: string, clock: { offsetMs: number } = w.clock): Promise<Rally> {
  const home = path.join(w.root, `${name}-${++homes}`);
  const client = await createRallyClient({
    store: await openHomeVault(home),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    mlsCrypto: nodeCryptoBackend(),
    fetchTimeoutMs: 8_000,
    nowMs: () => Date.now() + clock.offsetMs,
  });
  w.clients.push(client);
  homeOfClient.set(client, home);
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

/** The texts of a group's chat messages on one device, oldest first. */
export async function chatTexts(c: Rally, group: string): Promise<string[]> {
  return (await c.chat(group)).map((m) => m.text);
}

/** The hex pubkeys of a group's members on one device, sorted. */
export async function memberKeys(c: Rally, group: string): Promise<string[]> {
  return (await c.members(group)).map((m) => m.pubkey).sort();
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

/**
 * A person's second device in tests: a client with no account on its own home, and the sync rounds
 * on both devices that link it over the world's relay (until it holds every group).
 */
import path from "node:path";
import WebSocket from "ws";
import type { WebSocketConstructor } from "../../src/net/websocket.ts";
import { nodeCryptoBackend } from "../../src/platform/node/nodeCrypto.ts";
import { openHomeVault } from "../../src/platform/node/nodeVault.ts";
import { createRallyClient, type Rally } from "../../src/rallyClient.ts";
import type { World } from "../world.ts";

/** A client with no account yet, closed with the world. */
export async function blankDevice(w: World, name: string): Promise<Rally> {
  const client = await createRallyClient({
    store: await openHomeVault(path.join(w.root, name)),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    mlsCrypto: nodeCryptoBackend(),
    fetchTimeoutMs: 8_000,
  });
  w.clients.push(client);
  return client;
}

/** Sync rounds on both devices until the new one holds `groups` groups and all history parts. */
export async function settleLink(existing: Rally, fresh: Rally, groups: number): Promise<void> {
  for (let i = 0; i < 12; i++) {
    await fresh.sync();
    await existing.sync();
    await fresh.sync();
    const j = await fresh.deviceJoining();
    if (j?.state === "done" && (await fresh.groups()).length >= groups) return;
  }
  throw new Error(`not linked: ${JSON.stringify(await fresh.deviceJoining())}`);
}

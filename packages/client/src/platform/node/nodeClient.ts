/**
 * The Node client: a `Rally` over SQLite in `<home>/rally.db` and the `ws` WebSocket, with the
 * device lock on `<home>/rally.lock` shared by every process that opens the home. Kept apart
 * from the package's index so a browser bundle never pulls in better-sqlite3 or `ws`.
 *
 * Runs in: Node.
 */
import WebSocket from "ws";
import type { RallyClient } from "../../api.ts";
import type { WebSocketConstructor } from "../../net/websocket.ts";
import { createRallyClient, type Rally } from "../../rallyClient.ts";
import { nodeCryptoBackend } from "./nodeCrypto.ts";
import { openHomeVault } from "./nodeVault.ts";
import { type SqliteDeviceLockOptions, sqliteDeviceLock } from "./sqliteDeviceLock.ts";

export interface NodeClientOptions {
  /** The device's Rally folder (one per person/device). */
  home: string;
  /** Opens a passphrase-protected device at once (without it, the client opens locked). */
  passphrase?: string;
  /** Base of invite link URLs; default: the http(s) form of the group's first relay. */
  origin?: string;
  /** Relays for a new account when none are named. */
  defaultRelays?: string[];
  /** How long one fetch waits for relays (ms). */
  fetchTimeoutMs?: number;
  /** How long a step waits for another process on the same home, and what to say while it waits. */
  lock?: SqliteDeviceLockOptions;
  /** Caps the store's file at this many pages, as if the disk filled up there (tests). */
  maxPageCount?: number;
}

/** The client of a Node program (the CLI, a bot): the whole contract (`RallyClient`), nothing more. */
export function createNodeClient(options: NodeClientOptions): Promise<RallyClient> {
  return openNodeRally(options);
}

/** The same client as the concrete `Rally`, for tests that look inside it. */
export async function openNodeRally(options: NodeClientOptions): Promise<Rally> {
  const deviceLock = sqliteDeviceLock(options.home, options.lock);
  let store: Awaited<ReturnType<typeof openHomeVault>>;
  try {
    // Opens unlocked when the device keeps its key or `passphrase` opens it; locked otherwise.
    store = await openHomeVault(options.home, {
      deviceLock,
      ...(options.maxPageCount !== undefined ? { maxPageCount: options.maxPageCount } : {}),
      ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    });
  } catch (e) {
    deviceLock.close();
    throw e;
  }
  return createRallyClient({
    store,
    deviceLock,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    // OpenSSL for MLS message crypto: several times the portable backend's speed in Node.
    mlsCrypto: nodeCryptoBackend(),
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
    ...(options.defaultRelays ? { defaultRelays: options.defaultRelays } : {}),
    ...(options.fetchTimeoutMs ? { fetchTimeoutMs: options.fetchTimeoutMs } : {}),
  });
}

/**
 * The browser client: a `Rally` over IndexedDB, the page's WebSocket and WebCrypto, with Web Locks
 * so one tab writes at a time and a broadcast channel so the other tabs hear what changed.
 *
 * Runs in: browsers (windows and workers).
 */
import type { RallyClient } from "../../api.ts";
import type { WebSocketConstructor } from "../../net/websocket.ts";
import { Rally } from "../../rallyClient.ts";
import { openIndexedDbStore } from "./indexedDbStore.ts";
import { shareChangesAcrossTabs } from "./tabChanges.ts";
import { webDeviceLock, webLockManager } from "./webDeviceLock.ts";

/**
 * The browser client: IndexedDB store `dbName`, the page's WebSocket, `relays` for new accounts.
 * Every tab of the same account runs its own engine on the same database; they take turns through
 * the Web Locks API (`webDeviceLock`), each re-reading the state when its turn comes.
 */
export async function createBrowserClient(options: {
  relays: string[];
  dbName: string;
  origin?: string;
  passphrase?: string;
  /** How long a step waits for another tab's (ms); default 60 s. */
  lockTimeoutMs?: number;
}): Promise<RallyClient> {
  const store = await openIndexedDbStore(options.dbName);
  // Web Locks exist in every current browser's secure contexts (https, localhost); elsewhere this
  // engine can only order its own steps.
  const deviceLock = webLockManager()
    ? webDeviceLock(options.dbName, options.lockTimeoutMs ? { timeoutMs: options.lockTimeoutMs } : {})
    : undefined;
  const WebSocketImpl = (globalThis as unknown as { WebSocket: WebSocketConstructor }).WebSocket;
  const client = await Rally.open({
    store,
    ...(deviceLock ? { deviceLock } : {}),
    WebSocket: WebSocketImpl,
    defaultRelays: options.relays,
    ...(options.origin ? { origin: options.origin } : {}),
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
  });
  // For the page's lifetime: a tab's engine lives as long as the tab.
  shareChangesAcrossTabs(client.core, options.dbName);
  return client;
}

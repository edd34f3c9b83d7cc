/**
 * The browser client: a `Rally` over IndexedDB, the page's WebSocket and WebCrypto, with Web Locks
 * so one tab writes at a time and a broadcast channel so the other tabs hear what changed.
 *
 * Runs in: browsers (windows and workers).
 */

import { legacyAccountStore } from "../../account/legacyAccount.ts";
import type { RallyClient } from "../../api.ts";
import { holding } from "../../deviceLock.ts";
import type { WebSocketConstructor } from "../../net/websocket.ts";
import { Rally } from "../../rallyClient.ts";
import { Vault } from "../../store/vault.ts";
import { deleteIndexedDbStore, openIndexedDbStore } from "./indexedDbStore.ts";
import { shareChangesAcrossTabs } from "./tabChanges.ts";
import { webDataKeys } from "./webDataKeys.ts";
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
  // Web Locks exist in every current browser's secure contexts (https, localhost); elsewhere this
  // engine can only order its own steps.
  const deviceLock = webLockManager()
    ? webDeviceLock(options.dbName, options.lockTimeoutMs ? { timeoutMs: options.lockTimeoutMs } : {})
    : undefined;
  // Everything in IndexedDB is sealed under a data key that script can use but never read out;
  // with a passphrase the engine opens locked until it is given.
  const store = await Vault.open(
    {
      label: "Rally's data in this browser",
      keys: webDataKeys(options.dbName),
      openInner: () => openIndexedDbStore(options.dbName),
      destroyInner: () => deleteIndexedDbStore(options.dbName),
      legacy: legacyAccountStore,
      ...(deviceLock ? { exclusive: holding(deviceLock) } : {}),
    },
    options.passphrase ?? null,
  );
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

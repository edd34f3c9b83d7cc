/**
 * `@rally/client/node`: what a Node program needs to run a Rally device — the client over a home
 * folder (SQLite store, `ws` sockets, Node's crypto for MLS, a lock file so one command writes at a
 * time), and the pieces it is made of for programs that assemble their own.
 *
 * Runs in: Node.
 */
export { createNodeClient, type NodeClientOptions } from "./node/nodeClient.ts";
export { nodeCryptoBackend } from "./node/nodeCrypto.ts";
export { lockPath, type SqliteDeviceLockOptions, sqliteDeviceLock } from "./node/sqliteDeviceLock.ts";
export {
  isDiskFull,
  openHomeStore,
  openSqliteStore,
  type SqliteStoreOptions,
  storePath,
} from "./node/sqliteStore.ts";

/**
 * `@rally/client/browser`: what a web page (or its worker) needs to run a Rally device — the client
 * over IndexedDB, the browser's WebSocket and WebCrypto, with Web Locks so one tab writes at a time.
 *
 * Runs in: browsers.
 */
export { createBrowserClient } from "./browser/browserClient.ts";
export { deleteIndexedDbStore, openIndexedDbStore } from "./browser/indexedDbStore.ts";
export { type WebLockManager, webDeviceLock, webLockManager } from "./browser/webDeviceLock.ts";

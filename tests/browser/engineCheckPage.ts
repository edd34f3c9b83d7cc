/// <reference lib="dom" />
/**
 * Browser entry for `engineCheck.browser.test.ts`: opens the browser client the way the web app's
 * engine worker does (`createBrowserClient`, IndexedDB) and reports whether it opened or why not.
 * The test bundles it once with the installed ts-mls and once with a copy that lacks Rally's
 * removal correction.
 *
 * Runs in: browsers (bundled by the test).
 */
import { createBrowserClient } from "../../packages/client/src/platform/browser/browserClient.ts";

declare global {
  interface Window {
    rallyOpen: Promise<{ opened: true } | { opened: false; name: string; message: string }>;
  }
}

window.rallyOpen = createBrowserClient({
  relays: ["ws://127.0.0.1:9"],
  dbName: `rally-check-${Date.now()}`,
}).then(
  () => ({ opened: true as const }),
  (e: unknown) => ({
    opened: false as const,
    name: e instanceof Error ? e.name : "",
    message: e instanceof Error ? e.message : String(e),
  }),
);

/**
 * Opens the device's Rally engine inside the worker: the IndexedDB-backed client from
 * `@rally/client`, with the serving node as its default relay.
 *
 * Opening runs the MLS engine's self-test first (`Rally.open`): on a bundle whose MLS library lets
 * a removed member read on (single removals without an UpdatePath), the promise rejects, no group
 * is ever opened, and every call from the page fails with the reason, which the app shows on its
 * error screen.
 */

import type { RallyClient } from "@rally/client";
import { createBrowserClient } from "@rally/client/browser";
import { defaultRelay } from "../lib/defaultRelay.ts";

/** IndexedDB database holding this device's account, groups and outbox. */
export const DB_NAME = "rally";

export async function openEngine(location: {
  protocol: string;
  host: string;
  origin: string;
}): Promise<RallyClient> {
  const relay = import.meta.env.VITE_RALLY_RELAY || defaultRelay(location);
  // Invite links point at the node that served this app, where the link opens the app again.
  return await createBrowserClient({ relays: [relay], dbName: DB_NAME, origin: location.origin });
}

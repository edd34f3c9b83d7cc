/**
 * Opens the device's Rally engine inside the worker: the IndexedDB-backed client from
 * `@rally/client`, with the serving node as its default relay.
 */
import * as clientPackage from "@rally/client";
import { type RallyClient, RallyError } from "@rally/client/api.ts";
import { defaultRelay } from "../lib/defaultRelay.ts";

/** IndexedDB database holding this device's account, groups and outbox. */
export const DB_NAME = "rally";

type BrowserClientFactory = (options: {
  relays: string[];
  dbName: string;
  origin?: string;
}) => RallyClient | Promise<RallyClient>;

export async function openEngine(location: {
  protocol: string;
  host: string;
  origin: string;
}): Promise<RallyClient> {
  // Looked up by name so the app builds against the published interface alone.
  const factory = (clientPackage as Record<string, unknown>).createBrowserClient as
    | BrowserClientFactory
    | undefined;
  if (typeof factory !== "function") {
    throw new RallyError("This copy of Rally was built without its engine. Please update it.", "no-engine");
  }
  const relay = import.meta.env.VITE_RALLY_RELAY || defaultRelay(location);
  // Invite links point at the node that served this app, where the link opens the app again.
  return await factory({ relays: [relay], dbName: DB_NAME, origin: location.origin });
}

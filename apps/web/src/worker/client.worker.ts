/**
 * Rally's engine thread. All cryptography (MLS, Nostr signatures, NIP-44/59), the relay
 * connections and IndexedDB live here, so heavy work never freezes the page. The page talks to it
 * through `remoteClient` (rpc/clientBridge.ts), which mirrors `RallyClient` method by method.
 */
import { serveClient } from "../rpc/clientBridge.ts";
import type { Endpoint } from "../rpc/wire.ts";
import { openEngine } from "./openEngine.ts";

serveClient(openEngine(self.location), self as unknown as Endpoint);

/**
 * Starts Rally's engine in a Web Worker and returns the page's handle on it. If the worker cannot
 * start at all (script blocked, out of memory), every waiting call fails with a plain message
 * instead of hanging.
 */
import type { RallyClient } from "@rally/client";
import { remoteClient } from "../rpc/clientBridge.ts";
import type { Endpoint } from "../rpc/wire.ts";

export interface Engine {
  client: RallyClient;
  /** Resolves with a message when the worker died. */
  failed: Promise<string>;
}

export function startEngine(): Engine {
  const worker = new Worker(new URL("../worker/client.worker.ts", import.meta.url), {
    type: "module",
    name: "rally-engine",
  });
  const bridge = remoteClient(worker as unknown as Endpoint);
  const failed = new Promise<string>((resolve) => {
    worker.addEventListener("error", (event) => {
      const reason = "Rally could not start on this device. Try reloading the page.";
      console.error("Rally engine failed:", event.message);
      bridge.close(reason);
      resolve(reason);
    });
  });
  return { client: bridge.client, failed };
}

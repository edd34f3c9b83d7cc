// Shared bits of the client's network tests: free ports, signed events, waiting for a condition.
import { createServer } from "node:net";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";

export { startRelay } from "../../../../tests/helpers/relay.ts";

/** A port nothing listens on right now (for "relay down" and for restarting a relay on the same port). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const secretKey = generateSecretKey();

let counter = 0;
/** A fresh signed event (kind 1 unless told otherwise). */
export function signed(kind = 1, content = `hello ${++counter}`, tags: string[][] = [], sk = secretKey) {
  return finalizeEvent({ kind, created_at: Math.floor(Date.now() / 1000), tags, content }, sk);
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

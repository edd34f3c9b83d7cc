/**
 * What encryption at rest costs where a person feels it: a fresh client opening a group of N chat
 * messages (the first `chat()` after start, and again warm), on a plain store and on the same data
 * sealed in place by the vault, measured in the same run. Medians of 5 alternating rounds.
 *
 *   npx tsx bench/client/atRest.ts [N=10000]
 */

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildChatMessage } from "@rally/protocol/app";
import WebSocket from "ws";
import type { WebSocketConstructor } from "../../packages/client/src/net/websocket.ts";
import { nodeCryptoBackend } from "../../packages/client/src/platform/node/nodeCrypto.ts";
import { openHomeVault } from "../../packages/client/src/platform/node/nodeVault.ts";
import { openHomeStore } from "../../packages/client/src/platform/node/sqliteStore.ts";
import { createRallyClient, type Rally } from "../../packages/client/src/rallyClient.ts";
import type { WriteOp } from "../../packages/client/src/store/store.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const N = Number(process.argv[2] ?? 10_000);
const ROUNDS = 5;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-at-rest-client-"));
const relay = await startRelay();
const open = async (home: string, sealed: boolean): Promise<Rally> =>
  createRallyClient({
    store: sealed ? await openHomeVault(home) : openHomeStore(home),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    mlsCrypto: nodeCryptoBackend(),
  });
const randomHex = () => randomBytes(32).toString("hex");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

try {
  const plainHome = path.join(root, "plain");
  const a = await open(plainHome, false);
  await a.createAccount({ name: "A", relays: [relay.url] });
  const g = (await a.createGroup({ name: "bench" })).id;
  await a.sendChat(g, "message number 0, about as long as a chat line");
  const me = (await a.account())?.pubkey as string;
  await a.close();
  // The other N - 1 messages go straight into the store, as the receive path files them (an
  // envelope with the rumor, its epoch and its event id): sending 10,000 through MLS one by one
  // would take most of an hour here and measure something else.
  const store = openHomeStore(plainHome);
  const [first] = await store.rumors({ group: g });
  const envelope = JSON.parse((first as { json: string }).json) as { e: number };
  const ops: WriteOp[] = [];
  for (let i = 1; i < N; i++) {
    const rumor = buildChatMessage({
      pubkey: me,
      createdAt: 1_800_000_000 + i,
      text: `message number ${i}, about as long as a chat line`,
    });
    const json = JSON.stringify({ r: rumor, e: envelope.e, o: randomHex() });
    ops.push({
      op: "putRumor",
      rumor: { id: rumor.id, group: g, kind: rumor.kind, created_at: rumor.created_at, pubkey: me, json },
    });
  }
  await store.batch(ops);
  await store.close();
  // The same data, sealed in place by the vault (as an older store is on its first open).
  const sealedHome = path.join(root, "sealed");
  fs.mkdirSync(sealedHome);
  for (const f of fs.readdirSync(plainHome)) {
    if (f.startsWith("rally.db")) fs.copyFileSync(path.join(plainHome, f), path.join(sealedHome, f));
  }
  await (await open(sealedHome, true)).close();

  const cold = { plain: [] as number[], sealed: [] as number[] };
  const warm = { plain: [] as number[], sealed: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const sealed of r % 2 === 0 ? [false, true] : [true, false]) {
      const key = sealed ? "sealed" : "plain";
      const t0 = performance.now();
      const c = await open(sealed ? sealedHome : plainHome, sealed);
      const first = await c.chat(g);
      cold[key].push(performance.now() - t0);
      if (first.length !== N) throw new Error(`read ${first.length} messages`);
      const t1 = performance.now();
      await c.chat(g);
      warm[key].push(performance.now() - t1);
      await c.close();
    }
  }
  const f = (xs: number[]) => median(xs).toFixed(0);
  console.log(
    `open the client and show a ${N}-message chat, ms: plain ${f(cold.plain)}, sealed ${f(cold.sealed)}`,
  );
  console.log(`show it again, ms: plain ${f(warm.plain)}, sealed ${f(warm.sealed)}`);
  console.log(`ratio sealed/plain, open and show: ${(median(cold.sealed) / median(cold.plain)).toFixed(2)}`);
  console.log(`ratio sealed/plain, show again: ${(median(warm.sealed) / median(warm.plain)).toFixed(2)}`);
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

/**
 * Client group-message throughput over a real relay process, in one run: one member queues N chat
 * messages (encrypt, wrap, sign, store, outbox), the outbox publishes them, and a second member's
 * device catches up with one `sync()` (fetch, verify, unwrap, MLS decrypt, sender check, store), then
 * reads the chat back through the reducer. Prints the rates, the sync figure last.
 *
 *   npx tsx bench/client/sync.ts [N=1000]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createNodeClient } from "../../packages/client/src/platform/node/nodeClient.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const N = Number(process.argv[2] ?? 1000);
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-client-"));
const relay = await startRelay();
try {
  const a = await createNodeClient({ home: path.join(root, "a") });
  const b = await createNodeClient({ home: path.join(root, "b") });
  await a.createAccount({ name: "A", relays: [relay.url] });
  await b.createAccount({ name: "B", relays: [relay.url] });
  await a.deliver(8_000);
  await b.deliver(8_000);
  const g = await a.createGroup({ name: "bench" });
  await a.invite(g.id, (await b.account())?.npub ?? "");
  await b.sync();
  for (const i of await b.invites()) await b.acceptInvite(i.id);
  await b.deliver(8_000);
  await a.sync();

  let t = performance.now();
  for (let i = 0; i < N; i++) await a.sendChat(g.id, `message number ${i}, about as long as a chat line`);
  const queueS = (performance.now() - t) / 1000;
  t = performance.now();
  await a.deliver(600_000);
  const publishS = (performance.now() - t) / 1000;
  t = performance.now();
  await b.sync();
  const syncS = (performance.now() - t) / 1000;
  t = performance.now();
  const list = await b.chat(g.id);
  const readMs = performance.now() - t;
  if (list.length !== N) throw new Error(`expected ${N} messages, read ${list.length}`);
  console.log(`messages: ${N}`);
  console.log(`send (encrypt+wrap+sign+store+queue): ${Math.round(N / queueS)} messages/s`);
  console.log(`publish to the relay (outbox): ${Math.round(N / publishS)} messages/s`);
  console.log(`chat list of ${N} through the reducer: ${Math.round(readMs)} ms`);
  console.log(`catch-up sync (fetch+verify+unwrap+decrypt+store): ${Math.round(N / syncS)} messages/s`);
  await a.close();
  await b.close();
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

/**
 * Cold catch-up of a long history through a real relay process: one member sends N chat messages
 * (default 10,000) and delivers them to the relay; a second member's device — in the group since
 * before the first of them, offline since — then runs one `sync()`: fetch, verify, unwrap, MLS
 * decrypt, sender check, store. Prints the catch-up rate and time, then how long the first
 * `chatHistory(group, { limit: 50 })` takes afterwards (what a person opening the chat waits for).
 * Every figure is printed, none is checked against a target.
 *
 *   npx tsx bench/client/catchUp.ts [N=10000]
 *
 * Producing the history is the slow part (each message is encrypted and signed on its own, as a
 * person sending them would); its time is printed too so the total run time is known.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KIND_CHAT } from "@rally/protocol/app";
import { openNodeRally } from "../../packages/client/src/platform/node/nodeClient.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const N = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(N) || N < 1)
  throw new Error(`N must be a positive whole number, not ${process.argv[2]}`);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const runStart = performance.now();
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-catchup-"));
const relay = await startRelay();
try {
  const a = await openNodeRally({ home: path.join(root, "a") });
  const b = await openNodeRally({ home: path.join(root, "b") });
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
  if (!(await b.groups()).some((x) => x.id === g.id)) throw new Error("the second member never joined");

  // B is offline from here on: A's messages pile up on the relay.
  let t = performance.now();
  for (let i = 0; i < N; i++) {
    await a.sendChat(g.id, `message number ${i}, about as long as a chat line`);
    if ((i + 1) % 1000 === 0 && i + 1 < N)
      process.stderr.write(`  … ${i + 1} queued, ${s(performance.now() - t)}\n`);
  }
  const queueMs = performance.now() - t;
  t = performance.now();
  await a.deliver(30 * 60_000);
  const publishMs = performance.now() - t;
  const left = (await a.sync()).pendingOutbox;
  if (left > 0) throw new Error(`${left} messages were never taken by the relay`);
  console.log(`history of ${N} messages made in ${s(queueMs + publishMs)}`);
  console.log(
    `  queued by the sender (encrypt, wrap, sign, store): ${Math.round(N / (queueMs / 1000))} messages/s`,
  );
  console.log(`  published to the relay (outbox): ${Math.round(N / (publishMs / 1000))} messages/s`);

  t = performance.now();
  const report = await b.sync();
  const syncMs = performance.now() - t;
  const stored = await b.core.store.countRumors({ group: g.id, kinds: [KIND_CHAT] });
  if (stored < N) throw new Error(`one sync stored ${stored} of ${N} messages (${JSON.stringify(report)})`);

  t = performance.now();
  const page = await b.chatHistory(g.id, { limit: 50 });
  const firstReadMs = performance.now() - t;
  if (page.length === 0) throw new Error("the chat read nothing after the catch-up");

  console.log(`first chatHistory(group, { limit: 50 }) after it: ${Math.round(firstReadMs)} ms`);
  console.log(`whole run: ${s(performance.now() - runStart)}`);
  console.log(
    `\ncold catch-up of ${N} messages in one sync (fetch, verify, unwrap, decrypt, store): ${s(syncMs)}, ${Math.round(N / (syncMs / 1000))} messages/s`,
  );
  await a.close();
  await b.close();
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

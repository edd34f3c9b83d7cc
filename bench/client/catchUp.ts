/**
 * Cold catch-up of a long history through a real relay process: one member sends N chat messages
 * (default 10,000) and delivers them to the relay; a second member's device — in the group since
 * before the first of them, offline since — then runs one `sync()`: fetch, verify, unwrap, MLS
 * decrypt, sender check, store (and more rounds if one does not bring everything: their number
 * is printed and their time counts). Prints the catch-up rate and time, then how long the first
 * `chatHistory(group, { limit: 50 })` takes afterwards (what a person opening the chat waits for).
 * Every figure is printed, none is checked against a target.
 *
 *   npx tsx bench/client/catchUp.ts [N=10000] [S=10]
 *
 * Producing the history is the slow part (each message is encrypted and signed on its own, as a
 * person sending them would); its time is printed too so the total run time is known. It is shared
 * among S senders (default 10, 1,000 messages each): a sender's outbox keeps what it sent for ten
 * minutes and each send reads all of it, so one sender's 10,000 messages take the better part of an
 * hour, a tenth of them a few seconds each. The catch-up is the same work either way — one MLS
 * message per chat message — with S senders' ratchets instead of one.
 *
 *   npx tsx bench/client/catchUp.ts 10000 1    (one sender: slow)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KIND_CHAT } from "@rally/protocol/app";
import { openNodeRally } from "../../packages/client/src/platform/node/nodeClient.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const N = Number(process.argv[2] ?? 10_000);
const S = Number(process.argv[3] ?? 10);
if (!Number.isInteger(N) || N < 1)
  throw new Error(`N must be a positive whole number, not ${process.argv[2]}`);
if (!Number.isInteger(S) || S < 1 || S > N)
  throw new Error(`S must be a whole number from 1 to N, not ${process.argv[3]}`);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const runStart = performance.now();
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-catchup-"));
const relay = await startRelay();
try {
  const open = async (name: string) => {
    const c = await openNodeRally({ home: path.join(root, name) });
    await c.createAccount({ name, relays: [relay.url] });
    await c.deliver(8_000);
    return c;
  };
  const admin = await open("A");
  const senders = [admin];
  const g = await admin.createGroup({ name: "bench" });
  const b = await open("B");
  for (let k = 1; k < S; k++) senders.push(await open(`A${k}`));
  // Everyone joins before the history starts; B last, so B has seen every change to the group.
  for (const member of [...senders.slice(1), b]) {
    await admin.invite(g.id, (await member.account())?.npub ?? "");
    await member.sync();
    for (const i of await member.invites()) await member.acceptInvite(i.id);
    await member.deliver(8_000);
    await admin.sync();
  }
  for (const member of [...senders, b]) await member.sync();
  if (!(await b.groups()).some((x) => x.id === g.id)) throw new Error("the reading member never joined");

  // B is offline from here on: the senders' messages pile up on the relay.
  let queueMs = 0;
  let publishMs = 0;
  let sentSoFar = 0;
  for (const [k, a] of senders.entries()) {
    const share = Math.floor(N / S) + (k < N % S ? 1 : 0);
    const t = performance.now();
    for (let i = 0; i < share; i++, sentSoFar++)
      await a.sendChat(g.id, `message number ${sentSoFar}, about as long as a chat line`);
    queueMs += performance.now() - t;
    const t2 = performance.now();
    await a.deliver(30 * 60_000);
    publishMs += performance.now() - t2;
    const left = (await a.sync()).pendingOutbox;
    if (left > 0) throw new Error(`${left} messages were never taken by the relay`);
    if (S > 1) process.stderr.write(`  … ${sentSoFar} sent, ${s(queueMs + publishMs)}\n`);
  }
  console.log(`history of ${N} messages by ${S} senders made in ${s(queueMs + publishMs)}`);
  console.log(
    `  queued by the sender (encrypt, wrap, sign, store): ${Math.round(N / (queueMs / 1000))} messages/s`,
  );
  console.log(`  published to the relay (outbox): ${Math.round(N / (publishMs / 1000))} messages/s`);

  // One sync should bring it all; a client that takes a history in parts needs more rounds, which
  // count in the time (each round's share is printed).
  let t = performance.now();
  const rounds: string[] = [];
  let stored = 0;
  while (stored < N) {
    const report = await b.sync();
    stored = await b.core.store.countRumors({ group: g.id, kinds: [KIND_CHAT] });
    rounds.push(`${report.received} in ${s(performance.now() - t)}`);
    if (report.received === 0 || rounds.length > 50) break;
  }
  const syncMs = performance.now() - t;
  if (rounds.length > 1)
    console.log(`catch-up took ${rounds.length} syncs (received, time so far): ${rounds.join("; ")}`);
  if (stored < N) {
    // Printed, not thrown: what was caught up still has a rate, and the loss is the finding.
    console.log(
      `\nTHE CATCH-UP STOPPED at ${stored} of ${N} messages (the last sync received nothing): ${stored} in ${s(syncMs)}, ${Math.round(stored / (syncMs / 1000))} messages/s`,
    );
    process.exitCode = 1;
  }

  t = performance.now();
  const page = await b.chatHistory(g.id, { limit: 50 });
  const firstReadMs = performance.now() - t;
  if (page.length === 0) throw new Error("the chat read nothing after the catch-up");

  console.log(`first chatHistory(group, { limit: 50 }) after it: ${Math.round(firstReadMs)} ms`);
  console.log(`whole run: ${s(performance.now() - runStart)}`);
  console.log(
    `\ncold catch-up of ${stored < N ? `${stored} of ${N}` : N} messages in ${rounds.length === 1 ? "one sync" : `${rounds.length} syncs`} (fetch, verify, unwrap, decrypt, store): ${s(syncMs)}, ${Math.round(Math.min(stored, N) / (syncMs / 1000))} messages/s`,
  );
  for (const c of [...senders, b]) await c.close();
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

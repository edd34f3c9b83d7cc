/**
 * The live loop, through a real relay process: (1) time from an invite link being used to the
 * newcomer being in, with the admin's device live and the link made a moment before (J joins, one
 * link each); (2) time from a commit to the other member's device reading the next message; (3) a
 * catch-up round with nothing new in a group holding N messages in one epoch: the first of a process
 * (each tag read in full) and the next (from the newest event seen). Printed, not judged.
 *
 *   npx tsx bench/client/live.ts [J=5] [N=300]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openNodeRally } from "../../packages/client/src/platform/node/nodeClient.ts";
import type { Rally } from "../../packages/client/src/rallyClient.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const J = Number(process.argv[2] ?? 5);
const N = Number(process.argv[3] ?? 300);
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-live-"));
const relay = await startRelay();
const clients: Rally[] = [];
const homes = new Map<Rally, string>();

async function person(name: string): Promise<Rally> {
  const home = path.join(root, `${name}-${clients.length}`);
  const c = await openNodeRally({ home });
  clients.push(c);
  homes.set(c, home);
  await c.createAccount({ name, relays: [relay.url] });
  await c.deliver(8_000);
  return c;
}

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out: ${what}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

try {
  const admin = await person("Admin");
  const g = await admin.createGroup({ name: "Bench" });
  await admin.start();

  const joins: number[] = [];
  const members: Rally[] = [];
  for (let i = 0; i < J; i++) {
    const newcomer = await person(`Newcomer ${i}`);
    await newcomer.start();
    const link = await admin.createInviteLink(g.id, {});
    const t0 = performance.now();
    await newcomer.join(link.url);
    await until(async () => (await newcomer.joinState(link.url))?.state === "joined", "a join");
    joins.push(performance.now() - t0);
    members.push(newcomer);
  }
  console.log(
    `join by a link made a moment before, admin live: median ${Math.round(median(joins))} ms (${joins
      .map((ms) => Math.round(ms))
      .join(", ")})`,
  );

  const reader = members[0] as Rally;
  const epochs: number[] = [];
  for (let i = 0; i < 3; i++) {
    await admin.updateGroup(g.id, { name: `Bench ${i}` });
    const epoch = (await admin.groupsSvc.record(g.id)).epoch;
    await until(async () => (await reader.groupsSvc.record(g.id)).epoch === epoch, "the new epoch");
    const text = `after commit ${i}`;
    const t0 = performance.now();
    await admin.sendChat(g.id, text);
    await until(async () => (await reader.chat(g.id)).some((m) => m.text === text), "the message");
    epochs.push(performance.now() - t0);
  }
  console.log(`a message right after a commit, to a live member: median ${Math.round(median(epochs))} ms`);

  for (const c of [admin, ...members]) await c.stop();
  for (let i = 0; i < N; i++) await admin.sendChat(g.id, `message ${i}, about as long as a chat line`);
  await admin.deliver(30_000);
  // The reader's device opened again (as a new process would) reads the new messages; opened once
  // more, its first round reads each tag in full (nothing new), the next from the newest event seen.
  await reader.close();
  const home = homes.get(reader) as string;
  const once = await openNodeRally({ home });
  const got = await once.sync();
  await once.close();
  const again = await openNodeRally({ home });
  clients.push(again);
  const t1 = performance.now();
  await again.sync();
  const t2 = performance.now();
  await again.sync();
  const t3 = performance.now();
  console.log(
    `catch-up in a group of ${got.received} new messages in one epoch, nothing new since: full read ${Math.round(t2 - t1)} ms, from the newest seen ${Math.round(t3 - t2)} ms`,
  );
} finally {
  for (const c of clients) await c.close().catch(() => undefined);
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

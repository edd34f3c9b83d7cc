/**
 * Restoring groups from the account backup: a person in N groups (default 10, another person the
 * admin of each) loses their device; a fresh home recovers from the words and syncs, the admin's
 * device syncs (lets the new device in: one commit per group), the fresh home syncs again. Prints
 * the time from `recoverAccount` to every group active again, and the parts of it.
 *
 *   npx tsx bench/client/restore.ts [N=10]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createNodeClient } from "../../packages/client/src/platform/node/nodeClient.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const N = Number(process.argv[2] ?? 10);
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-restore-"));
const relay = await startRelay();
try {
  const alice = await createNodeClient({ home: path.join(root, "alice") });
  const bob = await createNodeClient({ home: path.join(root, "bob") });
  const a = await alice.createAccount({ name: "Alice", relays: [relay.url] });
  await bob.createAccount({ name: "Bob", relays: [relay.url] });
  await alice.deliver(8_000);
  for (let i = 0; i < N; i++) {
    const g = await bob.createGroup({ name: `Group ${i + 1}` });
    await bob.invite(g.id, a.npub);
  }
  await alice.sync();
  for (const inv of await alice.invites()) await alice.acceptInvite(inv.id);
  await bob.sync();
  await alice.sync(); // the backup lists every group
  const words = await alice.recoveryWords();
  await alice.close();

  const fresh = await createNodeClient({ home: path.join(root, "alice-again") });
  const t0 = performance.now();
  await fresh.recoverAccount({ words, relays: [relay.url] });
  await fresh.sync();
  const asked = performance.now();
  const rejoining = (await fresh.groups()).filter((g) => g.status === "rejoining").length;
  await bob.sync();
  const answered = performance.now();
  await fresh.sync();
  const t1 = performance.now();
  const active = (await fresh.groups()).filter((g) => g.status === "active").length;
  if (rejoining !== N || active !== N)
    throw new Error(`expected ${N} groups back, got ${active} (${rejoining} asked)`);
  console.log(`recover + sync (read backup, ask ${N} groups): ${(asked - t0).toFixed(0)} ms`);
  console.log(`admin's sync (${N} commits, welcomes): ${(answered - asked).toFixed(0)} ms`);
  console.log(`sync joining ${N} welcomes: ${(t1 - answered).toFixed(0)} ms`);
  console.log(`restore ${N} groups from backup: ${(t1 - t0).toFixed(0)} ms`);
  await fresh.close();
  await bob.close();
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

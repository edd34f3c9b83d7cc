/**
 * What a group's public face costs an admin's device, over a real relay process: an admin publishes
 * N events, then a sync round with nothing new is timed with the face on (each round fetches what
 * the group key shows and the new web answers, and compares) against the same round with the face
 * off and nothing left to withdraw. Also the time to publish one event and to edit a published one
 * (the public version follows at once). Prints the figures, the round's extra cost last.
 *
 *   npx tsx bench/client/publicFace.ts [N=50] [ROUNDS=10]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createNodeClient } from "../../packages/client/src/platform/node/nodeClient.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const N = Number(process.argv[2] ?? 50);
const ROUNDS = Number(process.argv[3] ?? 10);
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-public-"));
const relay = await startRelay();

async function roundMs(sync: () => Promise<unknown>): Promise<number> {
  await sync(); // settle anything left from the step before
  const t = performance.now();
  for (let i = 0; i < ROUNDS; i++) await sync();
  return (performance.now() - t) / ROUNDS;
}

try {
  const a = await createNodeClient({ home: path.join(root, "a") });
  await a.createAccount({ name: "A", relays: [relay.url] });
  await a.deliver(8_000);
  const g = await a.createGroup({ name: "bench" });
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const day = String((i % 28) + 1).padStart(2, "0");
    const e = await a.createEvent(g.id, {
      title: `Event ${i}`,
      start: `2030-06-${day}T18:00`,
      location: "Hall",
    });
    ids.push(e.id);
  }
  await a.deliver(60_000);
  const baseline = await roundMs(() => a.sync());

  await a.setPublicFace(g.id, { name: "Bench" });
  let t = performance.now();
  for (const id of ids) await a.publishEvent(g.id, id);
  const publishMs = (performance.now() - t) / N;
  await a.deliver(60_000);
  const on = await roundMs(() => a.sync());

  t = performance.now();
  await a.editEvent(g.id, ids[0] as string, { title: "Event 0, moved" });
  const editMs = performance.now() - t;
  await a.deliver(60_000);

  await a.setPublicFace(g.id, { off: true });
  await a.deliver(60_000);
  const off = await roundMs(() => a.sync());

  console.log(`published events: ${N}, rounds timed: ${ROUNDS}`);
  console.log(`publish one event (record, fetch, plan, sign): ${publishMs.toFixed(1)} ms`);
  console.log(`edit a published event (its public version follows): ${editMs.toFixed(1)} ms`);
  console.log(`sync round, no face: ${baseline.toFixed(1)} ms; face off: ${off.toFixed(1)} ms`);
  console.log(
    `sync round with the face on and ${N} public events: ${on.toFixed(1)} ms (+${(on - baseline).toFixed(1)} ms)`,
  );
  await a.close();
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

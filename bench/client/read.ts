/**
 * The read path on one device: store → fold → view. One member writes N chat messages and a few
 * events with answers into a group (stored as any sent or received inner message is), then reads
 * the chat and the events back, again and again; prints the mean time of each read, the chat
 * read's figure last. Stored rumors were checked when stored, so a read folds without re-hashing.
 *
 *   npx tsx bench/client/read.ts [N=2000]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createNodeClient } from "../../packages/client/src/platform/node/nodeClient.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = 10;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-read-"));
const relay = await startRelay();
try {
  const a = await createNodeClient({ home: path.join(root, "a") });
  await a.createAccount({ name: "A", relays: [relay.url] });
  const g = await a.createGroup({ name: "bench" });
  for (let i = 0; i < N; i++) await a.sendChat(g.id, `message number ${i}, about as long as a chat line`);
  for (let i = 0; i < 20; i++) {
    const e = await a.createEvent(g.id, { title: `Meeting ${i}`, start: "2027-05-01T18:00:00Z", tz: "UTC" });
    await a.rsvp(g.id, e.id, "going", 1);
  }
  const time = async (label: string, read: () => Promise<unknown>): Promise<number> => {
    await read(); // warm-up
    const t = performance.now();
    for (let i = 0; i < ROUNDS; i++) await read();
    const ms = (performance.now() - t) / ROUNDS;
    console.log(`${label}: ${ms.toFixed(1)} ms per read`);
    return ms;
  };
  await time(`events of a group of ${N + 40} inner messages`, () => a.events(g.id));
  await time(`chat list of ${N} messages`, () => a.chat(g.id));
  await a.close();
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

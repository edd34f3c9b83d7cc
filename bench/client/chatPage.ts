/**
 * One page of chat on a long history: `chatHistory(group, { limit: 20 })` — what
 * `rally chat list --limit 20` calls — on a group holding 10,000 and then 100,000 messages. A paged
 * read should cost the same at both sizes; one that folds the whole history grows with it. Prints
 * the first (cold) read and the mean of the next ones at each size, then the ratio
 * 100,000 / 10,000 of the means. Figures only; nothing is checked against a target.
 *
 *   npx tsx bench/client/chatPage.ts [SMALL=10000] [LARGE=100000]
 *
 * Sending 100,000 messages through MLS would take hours, so the history is written into the
 * reading member's store through the client's Store port (`core.store`, the sealed store), each
 * message filed as `receive.ts` files a received one: `putRumor` with the envelope JSON of a real
 * message received from the other member (same epoch, receipt time kept), only the rumor changed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildChatMessage, KIND_CHAT } from "@rally/protocol/app";
import type { RumorEnvelope } from "../../packages/client/src/group/appViews.ts";
import { openNodeRally } from "../../packages/client/src/platform/node/nodeClient.ts";
import type { WriteOp } from "../../packages/client/src/store/store.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const SMALL = Number(process.argv[2] ?? 10_000);
const LARGE = Number(process.argv[3] ?? 100_000);
if (!(Number.isInteger(SMALL) && Number.isInteger(LARGE) && SMALL > 0 && LARGE > SMALL))
  throw new Error("sizes must be whole numbers, the second larger than the first");
const ROUNDS = 5;
const CHUNK = 5_000;

const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-chatpage-"));
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

  // One real message from A, received by B: its stored envelope is the template for the rest.
  await a.sendChat(g.id, "the first message, really sent");
  await a.deliver(8_000);
  await b.sync();
  const [received] = await b.core.store.rumors({ group: g.id, kinds: [KIND_CHAT], limit: 1 });
  if (!received) throw new Error("the second member did not receive the first message");
  const template = JSON.parse(received.json) as RumorEnvelope;
  const sender = received.pubkey;

  // LARGE messages one second apart, the newest a second before now, received now (no epoch floor: they predate the
  // template). The newest SMALL go in first; the older ones are added before the second size.
  const now = Math.floor(Date.now() / 1000);
  const text = (i: number) => `message number ${i}, about as long as a chat line`;
  const fill = async (from: number, to: number) => {
    for (let start = from; start < to; start += CHUNK) {
      const ops: WriteOp[] = [];
      for (let i = start; i < Math.min(to, start + CHUNK); i++) {
        const rumor = buildChatMessage({ pubkey: sender, createdAt: now - 1 - LARGE + i, text: text(i) });
        const { f: _floor, ...rest } = template;
        const envelope: RumorEnvelope = { ...rest, r: rumor, t: now };
        ops.push({
          op: "putRumor",
          rumor: {
            id: rumor.id,
            group: g.id,
            kind: rumor.kind,
            created_at: rumor.created_at,
            pubkey: sender,
            json: JSON.stringify(envelope),
          },
        });
      }
      await b.core.store.batch(ops);
    }
  };

  const measure = async (size: number): Promise<number> => {
    const t0 = performance.now();
    const first = await b.chatHistory(g.id, { limit: 20 });
    const coldMs = performance.now() - t0;
    if (!first.some((e) => e.type === "message" && e.text === text(LARGE - 1)))
      throw new Error(`the page misses the newest message written: ${JSON.stringify(first.at(-1))}`);
    const t = performance.now();
    for (let i = 0; i < ROUNDS; i++) await b.chatHistory(g.id, { limit: 20 });
    const meanMs = (performance.now() - t) / ROUNDS;
    const count = await b.core.store.countRumors({ group: g.id, kinds: [KIND_CHAT] });
    console.log(
      `${size.toLocaleString("en")} messages (${count} stored): chatHistory(group, { limit: 20 }) first ${coldMs.toFixed(1)} ms, mean of the next ${ROUNDS} ${meanMs.toFixed(1)} ms`,
    );
    return meanMs;
  };

  let t = performance.now();
  await fill(LARGE - SMALL, LARGE);
  console.log(
    `wrote ${SMALL.toLocaleString("en")} messages in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const small = await measure(SMALL);
  t = performance.now();
  await fill(0, LARGE - SMALL);
  console.log(
    `wrote ${(LARGE - SMALL).toLocaleString("en")} more in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const large = await measure(LARGE);
  console.log(
    `\nratio ${LARGE.toLocaleString("en")} / ${SMALL.toLocaleString("en")}: ${(large / small).toFixed(1)}`,
  );
  await a.close();
  await b.close();
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

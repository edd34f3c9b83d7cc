/**
 * Linking a device that holds G groups and N chat messages in all (default 10 and 10,000): time
 * from the link to the new device holding every group and every history part, through a real relay
 * process. The messages go straight into the existing device's (sealed) store, as received ones are
 * filed; sending 10,000 through MLS one by one would measure something else.
 *
 *   npx tsx bench/client/link.ts [G=10] [N=10000]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildChatMessage } from "@rally/protocol/app";
import { openNodeRally } from "../../packages/client/src/platform/node/nodeClient.ts";
import type { WriteOp } from "../../packages/client/src/store/store.ts";
import { startRelay } from "../../tests/helpers/relay.ts";

const G = Number(process.argv[2] ?? 10);
const N = Number(process.argv[3] ?? 10_000);
const root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-link-"));
const relay = await startRelay();
try {
  const phone = await openNodeRally({ home: path.join(root, "phone") });
  await phone.createAccount({ name: "Alice", relays: [relay.url] });
  const me = (await phone.account())?.pubkey as string;
  const groups: string[] = [];
  for (let i = 0; i < G; i++) groups.push((await phone.createGroup({ name: `Group ${i}` })).id);
  await phone.deliver(8_000);
  const ops: WriteOp[] = [];
  for (let i = 0; i < N; i++) {
    const g = groups[i % G] as string;
    const rumor = buildChatMessage({
      pubkey: me,
      createdAt: 1_800_000_000 + i,
      text: `message ${i}, about as long as a chat line`,
    });
    const json = JSON.stringify({ r: rumor, e: 0, o: rumor.id });
    ops.push({
      op: "putRumor",
      rumor: { id: rumor.id, group: g, kind: rumor.kind, created_at: rumor.created_at, pubkey: me, json },
    });
  }
  await phone.core.store.batch(ops);

  const laptop = await openNodeRally({ home: path.join(root, "laptop") });
  const t0 = performance.now();
  // Answered unasked, as a script would: the code a person confirms is not part of what is timed.
  const { link } = await phone.linkDevice({ confirm: false });
  await laptop.addDevice(link, "Laptop");
  let rounds = 0;
  for (;;) {
    rounds++;
    await laptop.sync();
    const sent = await phone.sync();
    await laptop.sync();
    if ((await laptop.deviceJoining())?.state === "done") break;
    if (rounds % 10 === 0)
      console.log(
        `round ${rounds}: ${JSON.stringify(await laptop.deviceJoining())}, phone outbox ${sent.pendingOutbox}, refused ${sent.refused.join("; ")}`,
      );
    if (rounds > 60) throw new Error(`not linked: ${JSON.stringify(await laptop.deviceJoining())}`);
  }
  const ms = performance.now() - t0;
  const j = await laptop.deviceJoining();
  let stored = 0;
  for (const g of groups) stored += (await laptop.chat(g, { limit: 100_000 })).length;
  console.log(
    `history parts: ${j?.parts}; messages on the new device: ${stored} of ${N}; sync rounds: ${rounds}`,
  );
  console.log(`link a device holding ${G} groups and ${N} messages: ${(ms / 1000).toFixed(1)} s`);
  await phone.close();
  await laptop.close();
} finally {
  await relay.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

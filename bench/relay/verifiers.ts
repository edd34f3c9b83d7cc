/**
 * Signature checks per backend (`npx tsx bench/relay/verifiers.ts`): CPU time per NIP-01 check (id
 * hash and Schnorr signature) of the relay's three backends on the same 2,000 signed events, in one
 * run: libsecp256k1 built for this machine (bcrypto), the same library in WASM (nostr-wasm), and pure
 * JS (nostr-tools/noble). Each backend gets a fresh copy of every event, so no cached mark helps.
 */
import { jsVerifier, loadVerifier, type NostrEvent } from "@rally/protocol/nostr";
import { loadNativeVerifier } from "@rally/relay";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";

const N = Number(process.env.BENCH_EVENTS ?? 2000);
const sk = generateSecretKey();
const events = Array.from(
  { length: N },
  (_, i) =>
    finalizeEvent(
      { kind: 445, created_at: 1_700_000_000 + i, tags: [["h", `room${i % 40}`]], content: "x".repeat(600) },
      sk,
    ) as unknown as NostrEvent,
);
const copies = () => events.map((e) => ({ ...e }));

const backends = [loadNativeVerifier(), await loadVerifier("wasm"), jsVerifier];
for (const v of backends) {
  if (!v) {
    console.log("native  skipped: bcrypto's binding is not built here");
    continue;
  }
  const rounds = v.backend === "js" ? 1 : 3;
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const batch = copies();
    const start = process.cpuUsage();
    for (const e of batch) if (!v.verify(e)) throw new Error(`${v.backend} refused a valid event`);
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / batch.length);
  }
  console.log(
    `${v.backend.padEnd(7)} ${Math.min(...times).toFixed(0)} µs of CPU per check (best of ${rounds})`,
  );
}

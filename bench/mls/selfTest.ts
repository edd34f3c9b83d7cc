/**
 * What the MLS engine's start-up self-test (`engineSelfTest`: a two-person group in memory, one
 * removal, checked to carry a path and leave the removed member behind) costs: the first run in a
 * process is what each CLI command and each web engine start pays (code and crypto still cold);
 * warm runs show the work itself.
 *
 *   npx tsx bench/mls/selfTest.ts [--runs=20]
 *
 * Prints the first run last, as the figure that matters.
 */
import { configureMls } from "@rally/protocol/mls";
import { removalSelfTest } from "@rally/protocol/mls/internals";
import { nodeCryptoBackend } from "../../packages/client/src/platform/node/nodeCrypto.ts";

const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const t0 = performance.now();
configureMls({ crypto: nodeCryptoBackend() });
const configured = performance.now() - t0;

const c0 = performance.now();
await removalSelfTest();
const cold = performance.now() - c0;

const warm: number[] = [];
for (let i = 0; i < runs; i++) {
  const s = performance.now();
  await removalSelfTest();
  warm.push(performance.now() - s);
}
console.log(`configure the Node MLS backend: ${configured.toFixed(1)} ms`);
console.log(`self-test, warm median of ${runs}: ${median(warm).toFixed(1)} ms`);
console.log(`self-test, first run in a process (what each CLI command pays): ${cold.toFixed(1)} ms`);

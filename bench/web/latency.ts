/**
 * Message delivery between two open pages: a person sends a chat message in page A and the clock
 * runs until page B — the other member, on the group's chat — shows it. A MutationObserver in B
 * records the moment it shows; both times are read from the pages' clocks (one machine). Two
 * warm-up messages are left out, then M messages (default 30) one after the other. Prints p50, p95
 * and the spread; nothing is checked against a target.
 *
 *   npx tsx bench/web/latency.ts [M=30]
 */
import { ensureWebBuild } from "../../apps/cli/src/serve/webBuild.ts";
import { launchChromium, onboard, person } from "../../tests/e2e/helpers/browser.ts";
import { startServe } from "../../tests/e2e/helpers/serve.ts";
import {
  createGroupWithLink,
  expectText,
  ms,
  onboardUntilStart,
  openChat,
  percentile,
  seenAt,
  sendMessage,
  watchLog,
  whenInGroupChat,
} from "./steps.ts";

const M = Number(process.argv[2] ?? 30);
const WARM_UP = 2;
const GROUP = "Bench latency";
const WAIT = 2 * 60_000;

await ensureWebBuild({ log: (l) => console.log(l) });
const serve = await startServe();
const browser = await launchChromium();
try {
  const a = await person(browser);
  await a.page.goto(serve.url);
  await onboard(a.page, "Sender");
  await a.page.getByRole("heading", { name: "Groups" }).first().waitFor();
  const { link } = await createGroupWithLink(a.page, GROUP);
  await openChat(a.page);

  const b = await person(browser);
  await b.page.goto(link);
  await b.page.getByText("Someone invited you to a group").waitFor();
  await onboardUntilStart(b.page, "Reader");
  await whenInGroupChat(b.page, GROUP, 5 * 60_000);
  await watchLog(b.page);

  const latencies: number[] = [];
  for (let i = 1; i <= WARM_UP + M; i++) {
    const text = `Latency probe ${i} of ${WARM_UP + M}`;
    await expectText(b.page, text);
    const sent = await sendMessage(a.page, text);
    const shown = await seenAt(b.page, text, WAIT);
    if (i > WARM_UP) latencies.push(shown - sent);
    process.stderr.write(`  ${i > WARM_UP ? "" : "(warm-up) "}${text}: ${ms(shown - sent)}\n`);
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const [who, p] of [
    ["A", a],
    ["B", b],
  ] as const)
    if (p.errors.length > 0) console.log(`page ${who} errors: ${p.errors.join("; ")}`);
  console.log(
    `\nDelivery between two open pages (send in A → shown in B), ${M} messages: p50 ${ms(percentile(latencies, 0.5))}, p95 ${ms(percentile(latencies, 0.95))}, min ${ms(Math.min(...latencies))}, max ${ms(Math.max(...latencies))}`,
  );
} finally {
  await browser.close();
  await serve.stop();
}

/**
 * A device whose clock is 20 minutes fast, every command of it, with a real relay that refuses
 * events dated more than 15 minutes ahead of its own clock (and sign-ins, NIP-42, more than 10
 * minutes off): its account's key package gets out, so it can be invited; it reads and accepts the
 * invitation; and `rally chat send` learns the relay's time, stamps the message with it, says once
 * on stderr that the clock is off, exits 0, and the other member reads the message.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

const GROUP = "Night shift";
const offsetClock = path.join(path.dirname(fileURLToPath(import.meta.url)), "offsetClock.mjs");
const TWENTY_MINUTES = 20 * 60_000;

let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;

/** `rally ARGS` as `p` on a device whose clock is `offsetMs` off. */
function withClock(p: Person, offsetMs: number, ...args: string[]) {
  return rally([...args, "--home", p.home], {
    env: { NODE_OPTIONS: `--import=${offsetClock}`, RALLY_TEST_CLOCK_OFFSET_MS: String(offsetMs) },
  });
}

/** As `withClock`, with `--json`; must succeed; its JSON output. */
async function okWithClock<T>(p: Person, offsetMs: number, ...args: string[]): Promise<T> {
  const r = await withClock(p, offsetMs, ...args, "--json");
  if (r.code !== 0)
    throw new Error(`rally ${args.join(" ")} failed for ${p.name}:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  root = tempRoot("rally-cli-clock-");
  relay = await startRelay({ keepData: false });
  alice = new Person("Alice Fast", root);
  bob = new Person("Bob Right", root);
  await bob.createAccount(relay.url);
  // Alice's device is 20 minutes fast from the start: her key package is signed in for (NIP-42)
  // and stamped with the relay's time, so Bob's device finds it.
  const a = await okWithClock<{ npub: string }>(
    alice,
    TWENTY_MINUTES,
    "account",
    "create",
    "--name",
    alice.name,
    "--relay",
    relay.url,
  );
  alice.npub = a.npub;
  await bob.ok("group", "create", GROUP);
  await bob.ok("group", "invite", GROUP, alice.npub);
  const invites = await okWithClock<{ id: string }[]>(alice, TWENTY_MINUTES, "invites");
  await okWithClock(alice, TWENTY_MINUTES, "invites", "accept", invites[0]!.id);
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("a device whose clock is 20 minutes fast", { timeout: 300_000 }, () => {
  it("rally chat send warns once, exits 0, and the message reaches the other member", async () => {
    const sent = await withClock(alice, TWENTY_MINUTES, "chat", "send", GROUP, "the van is at the back gate");
    expect(sent.code, sent.stderr).toBe(0);
    const warning =
      "rally: this device's clock is 20 minutes ahead of the relays' clocks; Rally uses the relays' time for what it sends. Set the clock right.";
    expect(sent.stderr.split("\n").filter((l) => l.includes("clock"))).toEqual([warning]);
    expect(sent.stderr).not.toMatch(/not delivered|not sent/);

    const list = await bob.ok<{ text: string; createdAt: number }[]>("chat", "list", GROUP);
    const got = list.find((m) => m.text === "the van is at the back gate");
    expect(got).toBeDefined();
    // Stamped with the relay's time, not 20 minutes ahead of Bob's right clock.
    expect(got!.createdAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 60);

    // A device whose clock is right hears nothing about clocks.
    const plain = await withClock(bob, 0, "chat", "send", GROUP, "on my way");
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toMatch(/clock/);
  });
});

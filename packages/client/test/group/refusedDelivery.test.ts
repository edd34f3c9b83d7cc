/**
 * Honest delivery over a real relay that refuses for good: a relay started with a smaller largest
 * event (`rally relay --max-event-bytes`) answers `OK false "invalid: event too large …"` to a long
 * message. Such a message is never reported as sent: the delivery report counts it as failed with
 * the relay's reason in plain words, and its author's history shows it as not sent. Once the relay
 * runs again without the limit (same data, same port), `retry` queues it again — by message, then
 * the rest of the group's — it is delivered, shows as sent, and the other member reads it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelay } from "../../../../tests/helpers/relay.ts";
import type { Rally } from "../../src/rallyClient.ts";
import { groupWith, person, stopWorld, type World } from "../world.ts";

/**
 * Larger than anything setting up a group of two sends (under 5 kB), smaller than a message of a
 * few thousand characters (over 20 kB once encrypted and padded).
 */
const MAX_EVENT_BYTES = 10_000;
const LONG_A = `The long minutes, part one. ${"a".repeat(6_000)}`;
const LONG_B = `The long minutes, part two. ${"b".repeat(6_000)}`;

let w: World;
let ana: Rally;
let ben: Rally;
let group = "";

beforeAll(async () => {
  w = {
    relay: await startRelay({ args: ["--max-event-bytes", String(MAX_EVENT_BYTES)], keepData: true }),
    root: fs.mkdtempSync(path.join(os.tmpdir(), "rally-refused-")),
    clock: { offsetMs: 0 },
    clients: [],
  };
  ana = await person(w, "Ana");
  ben = await person(w, "Ben");
  group = await groupWith(ana, [ben], "Minutes club");
}, 300_000);

afterAll(async () => {
  await stopWorld(w);
  if (w) fs.rmSync(w.relay.dataDir, { recursive: true, force: true });
});

async function stateOf(c: Rally, text: string) {
  return (await c.chat(group)).find((m) => m.text === text)?.state;
}

async function texts(c: Rally): Promise<string[]> {
  await c.sync();
  return (await c.chat(group)).map((m) => m.text);
}

describe("a message every relay refused for good", { timeout: 300_000 }, () => {
  it("is reported as failed with the relay's reason, and shows as not sent", async () => {
    await ana.sendChat(group, "short and fine");
    const fine = await ana.deliver(8_000);
    expect(fine).toMatchObject({ sent: 1, failed: 0, refused: [] });

    const a = await ana.sendChat(group, LONG_A);
    expect(a.state).toBe("pending");
    await ana.sendChat(group, LONG_B);
    const report = await ana.deliver(8_000);
    expect(report.sent).toBe(0);
    expect(report.pending).toBe(0);
    expect(report.failed).toBe(2);
    const relay = w.relay.url.replace(/\/$/, "");
    for (const reason of report.refused) {
      expect(reason).toMatch(
        new RegExp(`^${relay} said: event too large \\(\\d+ bytes; limit ${MAX_EVENT_BYTES}\\)$`),
      );
    }

    expect(await stateOf(ana, "short and fine")).toBe("sent");
    expect(await stateOf(ana, LONG_A)).toBe("failed");
    expect(await stateOf(ana, LONG_B)).toBe("failed");
    const history = await ana.chatHistory(group);
    expect(history.filter((e) => e.type === "message" && e.state === "failed")).toHaveLength(2);
    // Reported once: the next delivery has nothing new to say about them.
    expect(await ana.deliver(1_000)).toMatchObject({ failed: 0, refused: [] });

    const seen = await texts(ben);
    expect(seen).toContain("short and fine");
    expect(seen).not.toContain(LONG_A);
  });

  it("sent again while the relay still refuses it, fails again with the same reason", async () => {
    expect(await ana.retry(group, (await ana.chat(group)).find((m) => m.text === LONG_A)?.id)).toBe(1);
    expect(await stateOf(ana, LONG_A)).toBe("pending");
    const report = await ana.deliver(8_000);
    expect(report).toMatchObject({ sent: 0, failed: 1 });
    expect(report.refused[0]).toMatch(/said: event too large/);
    expect(await stateOf(ana, LONG_A)).toBe("failed");
  });

  it("refuses to send again what is not one's own or not in the group, in plain words", async () => {
    const fromBen = await ben.sendChat(group, "hello from Ben");
    await ben.deliver(8_000);
    await ana.sync();
    await expect(ana.retry(group, fromBen.id)).rejects.toThrow(/not one of yours/);
    await expect(ana.retry(group, "f".repeat(64))).rejects.toThrow(/not in this group/);
    // A message that went out: nothing to send again.
    const fine = (await ana.chat(group)).find((m) => m.text === "short and fine");
    expect(await ana.retry(group, fine?.id)).toBe(0);
  });

  it("once the relay accepts it, retry delivers it: sent, and the other member reads it", async () => {
    const { port } = new URL(w.relay.url);
    const dataDir = w.relay.dataDir;
    await w.relay.stop();
    w.relay = await startRelay({ dataDir, port: Number(port), keepData: true });

    const a = (await ana.chat(group)).find((m) => m.text === LONG_A);
    expect(await ana.retry(group, a?.id)).toBe(1);
    expect(await stateOf(ana, LONG_A)).toBe("pending");
    expect(await stateOf(ana, LONG_B)).toBe("failed");
    const first = await ana.deliver(8_000);
    expect(first).toMatchObject({ sent: 1, failed: 0, pending: 0 });
    expect(await stateOf(ana, LONG_A)).toBe("sent");

    // The rest of the group's refused items, all at once.
    expect(await ana.retry(group)).toBe(1);
    expect(await ana.deliver(8_000)).toMatchObject({ sent: 1, failed: 0, pending: 0 });
    expect(await stateOf(ana, LONG_B)).toBe("sent");
    expect(await ana.retry(group)).toBe(0);

    const seen = await texts(ben);
    expect(seen).toContain(LONG_A);
    expect(seen).toContain(LONG_B);
  });
});

/**
 * A real `rally serve` node refuses gift wraps to a group's public key that lack the answers' proof
 * of work (NIP-13, `pow:`), so a stranger cannot fill its relay with free junk for the admins to
 * page through; a wrap with the work is taken, and wraps to any other key are not looked at. The
 * keys are known from the public calendars the node stores, also after a restart.
 */
import fs from "node:fs";
import { PUBLIC_ANSWER_POW, wrapPublicAnswer } from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import { getPow } from "nostr-tools/nip13";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ServeHandle, startServe } from "./helpers/serve.ts";

useWebSocketImplementation(WebSocket);

let node: ServeHandle | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  await node?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The relay's answer to one event: accepted, or its refusal. */
async function send(relayUrl: string, event: NostrEvent): Promise<{ ok: boolean; message: string }> {
  const relay = await Relay.connect(relayUrl);
  try {
    const message = await relay.publish(event);
    return { ok: true, message };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    relay.close();
  }
}

const junkTo = (pubkey: string): NostrEvent =>
  finalizeEvent(
    { kind: 1059, created_at: Math.floor(Date.now() / 1000), tags: [["p", pubkey]], content: "junk" },
    generateSecretKey(),
  );

describe("the node's relay and answers to public keys", { timeout: 300_000 }, () => {
  it("refuses a wrap without work to a public key (pow:), takes one with it, leaves other keys alone", async () => {
    node = await startServe({ keepData: true });
    const group = generateSecretKey();
    const groupKey = getPublicKey(group);
    const calendar = finalizeEvent(
      {
        kind: 31924,
        created_at: Math.floor(Date.now() / 1000),
        tags: [
          ["d", "rally"],
          ["title", "Allotment"],
        ],
        content: "",
      },
      group,
    );
    // Before its calendar is stored the key is nobody's public face: junk to it is taken.
    expect((await send(node.relay, junkTo(groupKey))).ok).toBe(true);
    expect(await send(node.relay, calendar)).toEqual({ ok: true, message: "" });

    const junk = await send(node.relay, junkTo(groupKey));
    expect(junk.ok).toBe(false);
    expect(junk.message).toMatch(/^pow: .*proof of work/);
    // Mined, but committing to less than an answer needs: refused too.
    const weak = await wrapPublicAnswer(
      { event: `31922:${groupKey}:x`, name: "Weak", contact: null, status: "going", guests: 0, note: "" },
      generateSecretKey(),
      groupKey,
      undefined,
      { difficulty: 8 },
    );
    expect(weak.tags.find((t) => t[0] === "nonce")?.[2]).toBe("8");
    const short = await send(node.relay, weak as NostrEvent);
    expect(short.ok).toBe(false);
    expect(short.message).toMatch(/^pow: /);
    const honest = await wrapPublicAnswer(
      { event: `31922:${groupKey}:x`, name: "Hana", contact: null, status: "going", guests: 0, note: "" },
      generateSecretKey(),
      groupKey,
    );
    expect(getPow(honest.id)).toBeGreaterThanOrEqual(PUBLIC_ANSWER_POW);
    expect(await send(node.relay, honest as NostrEvent)).toEqual({ ok: true, message: "" });
    // A member's private message (a wrap to a key with no public calendar) needs no work.
    const member = getPublicKey(generateSecretKey());
    expect(await send(node.relay, junkTo(member))).toEqual({ ok: true, message: "" });

    // After a restart the key is read back from the stored calendar.
    dataDir = node.dataDir;
    await node.stop();
    node = await startServe({ dataDir });
    const again = await send(node.relay, junkTo(groupKey));
    expect(again.ok).toBe(false);
    expect(again.message).toMatch(/^pow: /);
    expect((await send(node.relay, junkTo(member))).ok).toBe(true);
  });
});

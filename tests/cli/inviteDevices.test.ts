/**
 * `rally group invite` when one of the person's devices cannot be added: Bob's own device is fine,
 * and another key package of his (signed by his key) has expired. The command adds the good device
 * and says, in plain words and in its JSON (`devices`, `waiting`, `unusable`), which one it could
 * not add and why; the existing fields stay as they were.
 */
import fs from "node:fs";
import { secretKeyFromRecoveryWords } from "@rally/protocol/identity";
import { createDeviceIdentity, createKeyPackage, RALLY_GROUP_DATA_EXTENSION } from "@rally/protocol/mls";
import { buildKeyPackageEvent, newKeyPackageSlot } from "@rally/protocol/wire";
import { finalizeEvent } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;

/** Sends one event to the relay and waits for its OK. */
function publish(url: string, event: { id: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("open", () => ws.send(JSON.stringify(["EVENT", event])));
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as unknown[];
      if (msg[0] !== "OK" || msg[1] !== event.id) return;
      ws.close();
      if (msg[2] === true) resolve();
      else reject(new Error(`relay refused: ${String(msg[3])}`));
    });
    ws.on("error", reject);
  });
}

beforeAll(async () => {
  root = tempRoot("rally-cli-invite-devices-");
  relay = await startRelay();
  alice = new Person("Alice Adder", root);
  bob = new Person("Bob Badger", root);
  for (const p of [alice, bob]) await p.createAccount(relay.url);
  // Another device of Bob's, whose key package ran out an hour ago.
  const { words } = await bob.ok<{ words: string }>("account", "words");
  const secret = secretKeyFromRecoveryWords(words);
  const now = Math.floor(Date.now() / 1000);
  const kp = await createKeyPackage(createDeviceIdentity(secret), {
    now: now - 7_200,
    lifetimeSeconds: 3_600,
  });
  const event = finalizeEvent(
    buildKeyPackageEvent({
      keyPackage: kp.keyPackage,
      slot: newKeyPackageSlot(),
      extensions: [RALLY_GROUP_DATA_EXTENSION],
      relays: [relay.url],
      protected: false,
    }),
    secret,
  );
  await publish(relay.url, event);
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("rally group invite with a device that cannot be added", { timeout: 300_000 }, () => {
  it("adds the good device and names the other, in JSON and in words", async () => {
    await alice.ok("group", "create", "Choir", "--relay", relay.url);
    const out = await alice.ok<Record<string, unknown>>("group", "invite", "Choir", bob.npub);
    expect(out).toMatchObject({ invited: bob.npub, delivered: true, devices: 1, waiting: 0 });
    expect(out.unusable).toEqual([{ reason: "its key package has expired" }]);

    await alice.ok("group", "create", "Orchard", "--relay", relay.url);
    const plain = await rally(["group", "invite", "Orchard", bob.npub, "--home", alice.home]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Invitation sent. They see it with "rally invites".');
    expect(plain.stdout).toContain("One of their devices could not be added: its key package has expired.");

    await bob.ok("sync");
    const invites = await bob.ok<{ id: string }[]>("invites");
    expect(invites).toHaveLength(2);
  });
});

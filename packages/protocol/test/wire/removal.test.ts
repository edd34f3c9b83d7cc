/**
 * THREAT-MODEL.md, "removed member": a member removed from a group keeps every byte of the state
 * it had, and must read nothing sent after its removal — neither the routing tag that finds the new
 * messages nor the key that opens them — while the members who stay carry on.
 *
 * ts-mls 2.0.0-rc.10 as published builds a commit with exactly one Remove proposal without an
 * UpdatePath, and aborts the process of a removed member that meets a commit with a path; both are
 * corrected at install by scripts/patch-ts-mls.mjs (RFC 9420 §12.4, §12.4.2). These tests are
 * what shows the correction holds: one and several people removed at once.
 */

import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import {
  addMembers,
  createDeviceIdentity,
  createGroup,
  createKeyPackage,
  decodeState,
  encodeState,
  encrypt,
  exporterSecret,
  type GroupState,
  isActive,
  joinFromWelcome,
  process,
  removeMembers,
} from "../../src/mls/index.ts";
import type { PubkeyHex } from "../../src/nostr/event.ts";
import {
  createInnerRumor,
  decodeInnerRumor,
  deriveGroupMessageKeys,
  encodeInnerRumor,
  routingTag,
  unwrapGroupMessage,
  wrapGroupMessage,
} from "../../src/wire/index.ts";
import { codeOf } from "./helpers.ts";

function person() {
  const secretKey = generateSecretKey();
  return { pubkey: getPublicKey(secretKey) as PubkeyHex, device: createDeviceIdentity(secretKey) };
}

/** Alice (admin) with Bob and the people to remove; returns everyone's state. */
async function group(removedCount: number) {
  const alice = person();
  const bob = person();
  const removed = Array.from({ length: removedCount }, person);
  let a = await createGroup(alice.device, { name: "Strike committee", relays: ["wss://relay.example.org"] });
  const kps = await Promise.all([bob, ...removed].map((p) => createKeyPackage(p.device)));
  const added = await addMembers(
    a,
    kps.map((k) => k.keyPackage),
  );
  a = added.state;
  const join = (p: { pubkey: string }, i: number) =>
    joinFromWelcome(
      added.welcomes.find((w) => w.pubkey === p.pubkey)!.welcome,
      kps[i]!.privateKeyPackage,
      added.ratchetTree,
    );
  const b = await join(bob, 0);
  const gone = await Promise.all(removed.map((p, i) => join(p, i + 1)));
  return { alice, bob, removed, a, b, gone };
}

/** Runs the removal and a message after it; returns what a removed member with saved state can try. */
async function removeAndTalk(removedCount: number) {
  const g = await group(removedCount);
  // Each removed member keeps a copy of everything it has, as its device would.
  const saved = g.gone.map((s) => encodeState(s));
  const before = await exporterSecret(g.a);
  const removal = await removeMembers(
    g.a,
    g.removed.map((p) => p.pubkey),
  );
  const commitEvent = wrapGroupMessage({ exporterSecret: before, mlsMessage: removal.commit });
  let b = (await process(g.b, unwrapGroupMessage(commitEvent, await exporterSecret(g.b)))).state;
  const after = await exporterSecret(removal.state);
  expect(await exporterSecret(b)).toEqual(after);

  const rumor = createInnerRumor({
    pubkey: g.alice.pubkey,
    kind: 9,
    content: "Picket starts at 6am at gate 3",
  });
  const sent = await encrypt(removal.state, encodeInnerRumor(rumor));
  const event = wrapGroupMessage({ exporterSecret: after, mlsMessage: sent.message });

  const forBob = await process(b, unwrapGroupMessage(event, await exporterSecret(b)));
  b = forBob.state;
  expect(forBob.result.kind).toBe("application");
  if (forBob.result.kind === "application")
    expect(decodeInnerRumor(forBob.result.plaintext).content).toBe(rumor.content);

  const restored = saved.map((s) => decodeState(s.epochPart, s.messagePart));
  return { commitEvent, event, after, restored };
}

/** What a removed member can try with the keys it saved: neither finds nor opens the new message. */
async function trySavedKeys(restored: GroupState, event: { tags: string[][] }, after: Uint8Array) {
  const oldSecret = await exporterSecret(restored);
  expect(routingTag(oldSecret)).not.toBe(event.tags[0]![1]);
  expect(codeOf(() => unwrapGroupMessage(event, oldSecret))).toBe("wrong-routing-tag");
  const forced = { key: deriveGroupMessageKeys(oldSecret).key, routingTag: routingTag(after) };
  expect(codeOf(() => unwrapGroupMessage(event, forced))).toBe("decrypt-failed");
  // Even handed the transport key, the MLS message of the new epoch does not open for it.
  await expect(process(restored, unwrapGroupMessage(event, after))).rejects.toThrow();
}

describe("a removed member with its full saved state", () => {
  it("cannot find or open messages sent after its removal with the keys it kept", async () => {
    const { event, after, restored } = await removeAndTalk(1);
    await trySavedKeys(restored[0]!, event, after);
  });

  // The removed member can read the commit (it was sent in its epoch) and process it: it must learn
  // that it was removed and nothing of the new epoch.
  for (const count of [1, 2]) {
    it(`does not reach the new epoch by processing the commit that removes it (${count} removed)`, async () => {
      const { commitEvent, event, after, restored } = await removeAndTalk(count);
      for (const state of restored) {
        const oldSecret = await exporterSecret(state);
        const processed = await process(state, unwrapGroupMessage(commitEvent, oldSecret));
        expect(isActive(processed.state)).toBe(false);
        let secretAfter: Uint8Array | undefined;
        try {
          secretAfter = await exporterSecret(processed.state);
        } catch {
          secretAfter = undefined;
        }
        expect(secretAfter !== undefined && routingTag(secretAfter) === event.tags[0]![1]).toBe(false);
        expect(secretAfter).not.toEqual(after);
      }
    });
  }
});

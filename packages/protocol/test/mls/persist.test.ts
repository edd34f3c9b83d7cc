/**
 * Two-part persistence: the epoch part changes at epoch changes, the message part with each
 * message; together they restore a state that carries on exactly.
 */
import { describe, expect, it } from "vitest";
import {
  decodeState,
  encodeEpochPart,
  encodeMessagePart,
  encodeState,
  encrypt,
  epoch,
  exporterSecret,
  type GroupState,
  isMlsEngineError,
  members,
  process,
  selfUpdate,
} from "../../src/mls/index.ts";
import { groupOf, person, text, untext } from "./helpers.ts";

function codeOf(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (isMlsEngineError(e)) return e.code;
    throw e;
  }
}

describe("persistence", () => {
  it("a restored state carries on: decrypts, encrypts, commits", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    let a = states.get("alice") as GroupState;
    let b = states.get("bob") as GroupState;
    const m1 = await encrypt(a, text("before save"));
    a = m1.state;
    b = (await process(b, m1.message)).state;

    const saved = encodeState(b);
    b = decodeState(saved.epochPart, saved.messagePart);
    expect(epoch(b)).toBe(1);
    expect(members(b)).toEqual(members(a));
    expect(await exporterSecret(b)).toEqual(await exporterSecret(a));
    // The replay protection survived the round trip.
    await expect(process(b, m1.message)).rejects.toMatchObject({ code: "already-processed" });
    const m2 = await encrypt(a, text("after save"));
    const r = await process(b, m2.message);
    expect(r.result.kind === "application" && untext(r.result.plaintext)).toBe("after save");
    const reply = await encrypt(r.state, text("reply"));
    expect((await process(m2.state, reply.message)).result.kind).toBe("application");
    const up = await selfUpdate(r.state);
    const a2 = await process(m2.state, up.commit);
    expect(await exporterSecret(a2.state)).toEqual(await exporterSecret(up.state));
  });

  it("per message only the small part changes", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    let a = states.get("alice") as GroupState;
    let b = states.get("bob") as GroupState;
    const epochPart = encodeEpochPart(b);
    const sizes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const m = await encrypt(a, text(`message ${i}`));
      a = m.state;
      const r = await process(b, m.message);
      expect(r.persist).toBe("message");
      b = r.state;
      expect(encodeEpochPart(b)).toEqual(epochPart);
      sizes.push(encodeMessagePart(b).length);
    }
    // The message part does not grow with the number of messages.
    expect(Math.max(...sizes)).toBe(Math.min(...sizes));
    // Restoring from the unchanged epoch part and the latest message part works.
    const restored = decodeState(epochPart, encodeMessagePart(b));
    const m = await encrypt(a, text("next"));
    expect((await process(restored, m.message)).result.kind).toBe("application");
  });

  it("parts from different moments are refused", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const a = states.get("alice") as GroupState;
    const before = encodeState(a);
    const after = encodeState((await selfUpdate(a)).state);
    expect(codeOf(() => decodeState(before.epochPart, after.messagePart))).toBe("state-mismatch");
    expect(codeOf(() => decodeState(after.epochPart, before.messagePart))).toBe("state-mismatch");
    expect(codeOf(() => decodeState(before.messagePart, before.epochPart))).toBe("malformed");
  });

  it("damaged saved parts give typed errors, never a broken state", async () => {
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    const saved = encodeState(states.get("bob") as GroupState);
    for (const part of ["epochPart", "messagePart"] as const) {
      const bytes = saved[part];
      for (const cut of [0, 1, 5, bytes.length >> 1, bytes.length - 1]) {
        const damaged = { ...saved, [part]: bytes.subarray(0, cut) };
        expect(codeOf(() => decodeState(damaged.epochPart, damaged.messagePart))).toMatch(
          /malformed|state-mismatch/,
        );
      }
      const longer = { ...saved, [part]: new Uint8Array([...bytes, 0]) };
      expect(codeOf(() => decodeState(longer.epochPart, longer.messagePart))).toBe("malformed");
    }
  });

  it("keeps the exporter secrets of three past epochs, also across a save", async () => {
    const { exporterEpochs, exporterSecretAt } = await import("../../src/mls/index.ts");
    const [alice, bob] = [person("alice"), person("bob")];
    const { states } = await groupOf(alice, [bob]);
    let a = states.get("alice") as GroupState;
    let b = states.get("bob") as GroupState;
    const secrets = new Map<number, Uint8Array>([[1, await exporterSecret(b)]]);
    for (let i = 0; i < 4; i++) {
      const up = await selfUpdate(a);
      a = up.state;
      b = (await process(b, up.commit)).state;
      secrets.set(epoch(b), await exporterSecret(b));
    }
    expect(exporterEpochs(b)).toEqual([5, 4, 3, 2]);
    const saved = encodeState(b);
    const restored = decodeState(saved.epochPart, saved.messagePart);
    for (const state of [a, b, restored]) {
      for (const e of [5, 4, 3, 2]) expect(await exporterSecretAt(state, e)).toEqual(secrets.get(e));
      expect(await exporterSecretAt(state, 1)).toBeUndefined();
    }
  });
});

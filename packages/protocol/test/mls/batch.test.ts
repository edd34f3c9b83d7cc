/** processBatch gives exactly what `process` gives, message by message, including refusals. */
import { describe, expect, it } from "vitest";
import { generateDeviceKeyPair } from "../../src/mls/device.ts";
import {
  encrypt,
  exporterSecret,
  type GroupState,
  type ProcessResult,
  process,
  processBatch,
  selfUpdate,
} from "../../src/mls/index.ts";
import { unwrapState, wrapState } from "../../src/mls/state.ts";
import { groupOf, person, text, untext } from "./helpers.ts";

const plain = (r: ProcessResult) =>
  r.kind === "application" ? `${r.sender.slice(0, 4)}:${untext(r.plaintext)}` : r.kind;

describe("processBatch", () => {
  it("matches process on a mix of messages, a commit and duplicates", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    let a = states.get("alice") as GroupState;
    let b = states.get("bob") as GroupState;
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) {
      const m = await encrypt(i % 2 ? a : b, text(`m${i}`));
      if (i % 2) a = m.state;
      else b = m.state;
      msgs.push(m.message);
    }
    const up = await selfUpdate(a);
    const after = await encrypt(up.state, text("after"));
    const batch = [
      msgs[0],
      msgs[1],
      msgs[1],
      msgs[2],
      msgs[3],
      up.commit,
      msgs[4],
      msgs[5],
      after.message,
    ] as Uint8Array[];
    const carol0 = states.get("carol") as GroupState;

    const out = await processBatch(carol0, batch);
    let one = carol0;
    const expected: string[] = [];
    for (const m of batch) {
      try {
        const r = await process(one, m);
        one = r.state;
        expected.push(plain(r.result));
      } catch (e) {
        expected.push((e as { code: string }).code);
      }
    }
    expect(out.results.map((r) => (r.ok ? plain(r.result) : r.error.code))).toEqual(expected);
    expect(out.persist).toBe("all");
    expect(await exporterSecret(out.state)).toEqual(await exporterSecret(one));
  });

  it("a message with a bad signature in a run is refused, the others are read", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    let a = states.get("alice") as GroupState;
    const good1 = await encrypt(a, text("good 1"));
    a = good1.state;
    // Alice's client signs with a key that is not her leaf's: the encryption is valid, the signature not.
    const wrongKey = generateDeviceKeyPair().signaturePrivateKey;
    const forged = await encrypt(
      wrapState({ ...unwrapState(a), signaturePrivateKey: wrongKey }),
      text("forged"),
    );
    a = wrapState({ ...unwrapState(forged.state), signaturePrivateKey: unwrapState(a).signaturePrivateKey });
    const good2 = await encrypt(a, text("good 2"));
    const out = await processBatch(states.get("carol") as GroupState, [
      good1.message,
      forged.message,
      good2.message,
    ]);
    expect(out.results.map((r) => (r.ok ? plain(r.result) : r.error.code))).toEqual([
      `${alice.pubkey.slice(0, 4)}:good 1`,
      "decrypt-failed",
      `${alice.pubkey.slice(0, 4)}:good 2`,
    ]);
    await expect(process(states.get("bob") as GroupState, forged.message)).rejects.toMatchObject({
      code: "decrypt-failed",
    });
  });

  it("bad signatures anywhere in a long run (first, middle, last of the checks handed over together) are refused", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    let a = states.get("alice") as GroupState;
    const ownKey = unwrapState(a).signaturePrivateKey;
    const wrongKey = generateDeviceKeyPair().signaturePrivateKey;
    // Positions at both ends of the first groups of checks, one in the middle, and the very last.
    const forgedAt = new Set([0, 15, 16, 23, 31, 32, 59]);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) {
      const key = forgedAt.has(i) ? wrongKey : ownKey;
      const m = await encrypt(wrapState({ ...unwrapState(a), signaturePrivateKey: key }), text(`m${i}`));
      a = wrapState({ ...unwrapState(m.state), signaturePrivateKey: ownKey });
      sent.push(m.message);
    }
    const out = await processBatch(states.get("carol") as GroupState, sent);
    expect(
      out.results.map((r) =>
        r.ok ? untext((r.result as { plaintext: Uint8Array }).plaintext) : r.error.code,
      ),
    ).toEqual(sent.map((_, i) => (forgedAt.has(i) ? "decrypt-failed" : `m${i}`)));
    // The state reads on exactly as after reading the same messages one at a time.
    let one = states.get("carol") as GroupState;
    for (const m of sent) {
      try {
        one = (await process(one, m)).state;
      } catch {
        // refused, as above
      }
    }
    expect(await exporterSecret(out.state)).toEqual(await exporterSecret(one));
    const next = await encrypt(a, text("after"));
    const after = await process(out.state, next.message);
    expect(after.result.kind === "application" && untext(after.result.plaintext)).toBe("after");
  });

  it("long runs are cut into bounded pieces and still read everything in order", async () => {
    const [alice, bob, carol] = [person("alice"), person("bob"), person("carol")];
    const { states } = await groupOf(alice, [bob, carol]);
    let a = states.get("alice") as GroupState;
    let b = states.get("bob") as GroupState;
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const m = await encrypt(i % 3 ? a : b, text(`n${i}`));
      if (i % 3) a = m.state;
      else b = m.state;
      sent.push(m.message);
    }
    const out = await processBatch(states.get("carol") as GroupState, sent);
    expect(
      out.results.map((r) => (r.ok && r.result.kind === "application" ? untext(r.result.plaintext) : "x")),
    ).toEqual(sent.map((_, i) => `n${i}`));
    expect(out.persist).toBe("message");
  });
});

import { describe, expect, it } from "vitest";
import { generateSecretKey, signEvent } from "../../src/identity/index.ts";
import {
  eventFrameBytes,
  KIND_RATCHET_TREE_CHUNK,
  MAX_RATCHET_TREE_CHUNKS,
  MAX_RATCHET_TREE_PADDED,
  openRatchetTree,
  parseRatchetTreeTag,
  RATCHET_TREE_CHUNK_BYTES,
  RATCHET_TREE_TTL_SECONDS,
  ratchetTreeTag,
  sealRatchetTree,
} from "../../src/wire/index.ts";
import { clone, codeOf } from "./helpers.ts";

const NOW = 1_750_000_000;

function tree(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + 5) & 0xff);
}

describe("ratchet tree beside the welcome", () => {
  it("splits into 32 KiB chunk events under one-time keys and reassembles in any order", () => {
    const t = tree(200_000);
    const sealed = sealRatchetTree({ tree: t, now: NOW });
    // 200,000 bytes pad to 262,144; with nonce and tag that is 9 pieces.
    expect(sealed.events).toHaveLength(Math.ceil((262_144 + 28) / RATCHET_TREE_CHUNK_BYTES));
    expect(new Set(sealed.events.map((e) => e.pubkey)).size).toBe(sealed.events.length);
    for (const e of sealed.events) {
      expect(e.kind).toBe(KIND_RATCHET_TREE_CHUNK);
      expect(e.tags).toEqual([["expiration", String(NOW + RATCHET_TREE_TTL_SECONDS)]]);
      expect(eventFrameBytes(e)).toBeLessThan(65_536);
    }
    const shuffled = [...sealed.events].reverse();
    const unrelated = signEvent({ kind: 1, created_at: NOW, tags: [], content: "x" }, generateSecretKey());
    expect(openRatchetTree(sealed.ref, [unrelated, ...clone(shuffled)])).toEqual(t);
  });

  it("round-trips a one-byte tree and a tree whose last piece is only the AEAD tail", () => {
    const one = sealRatchetTree({ tree: tree(1) });
    expect(one.events).toHaveLength(1);
    expect(openRatchetTree(one.ref, one.events)).toEqual(tree(1));
    // 65,532 bytes pad to exactly 64 KiB; nonce and tag add 28 bytes: a third, 28-byte piece.
    const edge = sealRatchetTree({ tree: tree(65_532) });
    expect(edge.events).toHaveLength(3);
    expect(openRatchetTree(edge.ref, edge.events)).toEqual(tree(65_532));
  });

  it("hides the tree size to within a bucket", () => {
    const a = sealRatchetTree({ tree: tree(70_000) });
    const b = sealRatchetTree({ tree: tree(120_000) });
    expect(a.events.map((e) => e.content.length)).toEqual(b.events.map((e) => e.content.length));
  });

  it("round-trips through the welcome tag", () => {
    const { ref } = sealRatchetTree({ tree: tree(10) });
    const tag = ratchetTreeTag(ref);
    expect(tag[0]).toBe("ratchet_tree");
    expect(parseRatchetTreeTag(tag)).toEqual(ref);
    expect(codeOf(() => parseRatchetTreeTag(["ratchet_tree", tag[1]!]))).toBe("bad-tag");
    expect(codeOf(() => parseRatchetTreeTag(["ratchet_tree", "zz", tag[2]!]))).toBe("bad-tag");
    expect(codeOf(() => parseRatchetTreeTag(["ratchet_tree", tag[1]!, tag[2]!, tag[2]!]))).toBe("bad-tag");
    const many = [
      "ratchet_tree",
      tag[1]!,
      ...Array.from({ length: MAX_RATCHET_TREE_CHUNKS + 1 }, (_, i) => i.toString(16).padStart(64, "0")),
    ];
    expect(codeOf(() => parseRatchetTreeTag(many))).toBe("bad-tag");
  });

  it("says how many pieces are missing", () => {
    const sealed = sealRatchetTree({ tree: tree(100_000) });
    let message = "";
    try {
      openRatchetTree(sealed.ref, sealed.events.slice(1));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(`1 of ${sealed.events.length} pieces of the group's tree are missing.`);
  });

  it("refuses altered, truncated or foreign pieces and the wrong key", () => {
    const sealed = sealRatchetTree({ tree: tree(100_000) });
    const first = sealed.events[0]!;
    const altered = signEvent(
      {
        kind: first.kind,
        created_at: first.created_at,
        tags: first.tags,
        content: `B${first.content.slice(1)}`,
      },
      generateSecretKey(),
    );
    const ids = [altered.id, ...sealed.ref.events.slice(1)];
    expect(codeOf(() => openRatchetTree({ ...sealed.ref, events: ids }, [altered, ...sealed.events]))).toBe(
      "decrypt-failed",
    );
    const short = signEvent(
      { kind: first.kind, created_at: 1, tags: [], content: "AAAA" },
      generateSecretKey(),
    );
    expect(
      codeOf(() =>
        openRatchetTree({ ...sealed.ref, events: [short.id, ...ids.slice(1)] }, [short, ...sealed.events]),
      ),
    ).toBe("malformed");
    const wrongKey = { ...sealed.ref, key: new Uint8Array(32).fill(9) };
    expect(codeOf(() => openRatchetTree(wrongKey, sealed.events))).toBe("decrypt-failed");
    expect(
      codeOf(() =>
        openRatchetTree(sealed.ref, [{ ...first, sig: "00".repeat(64) }, ...sealed.events.slice(1)]),
      ),
    ).toBe("bad-signature");
    const note = signEvent({ kind: 1, created_at: 1, tags: [], content: first.content }, generateSecretKey());
    expect(codeOf(() => openRatchetTree({ ...sealed.ref, events: [note.id, ...ids.slice(1)] }, [note]))).toBe(
      "malformed",
    );
  });

  it("refuses an empty tree and one past 4 MiB", () => {
    expect(codeOf(() => sealRatchetTree({ tree: new Uint8Array(0) }))).toBe("bad-parameter");
    expect(codeOf(() => sealRatchetTree({ tree: new Uint8Array(MAX_RATCHET_TREE_PADDED - 3) }))).toBe(
      "too-large",
    );
    expect(codeOf(() => ratchetTreeTag({ key: new Uint8Array(31), events: ["00".repeat(32)] }))).toBe(
      "bad-parameter",
    );
  });
});

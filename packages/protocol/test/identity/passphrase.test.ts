import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { bech32 } from "@scure/base";
import { describe, expect, it } from "vitest";
import {
  decryptSecretKey,
  encryptSecretKey,
  IdentityError,
  inspectNcryptsec,
  MAX_LOG_N,
} from "../../src/identity/index.ts";
import vectors from "./vectors.json" with { type: "json" };

const V = vectors.nip49;
const KEY = hexToBytes(vectors.nip06[0]!.privateKey);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof IdentityError) return e.code;
    throw e;
  }
  return "no error";
}

/** Re-encodes an ncryptsec after editing its 91 raw bytes. */
function edited(ncryptsec: string, edit: (b: Uint8Array) => Uint8Array): string {
  const { words } = bech32.decode(ncryptsec as `${string}1${string}`, 5000);
  return bech32.encode("ncryptsec", bech32.toWords(edit(bech32.fromWords(words))), 5000);
}

describe("NIP-49", () => {
  it("opens the spec's vector (log_n 16, password 'nostr')", () => {
    expect(inspectNcryptsec(V.ncryptsec)).toEqual({ logN: 16, keySecurity: 0 });
    expect(bytesToHex(decryptSecretKey(V.ncryptsec, V.password))).toBe(V.privateKey);
  });

  it("round-trips with a small log_n, keeping the key security byte", () => {
    const enc = encryptSecretKey(KEY, "correct horse", { logN: 2, keySecurity: 1 });
    expect(enc.startsWith("ncryptsec1")).toBe(true);
    expect(inspectNcryptsec(enc)).toEqual({ logN: 2, keySecurity: 1 });
    expect(bytesToHex(decryptSecretKey(enc, "correct horse"))).toBe(bytesToHex(KEY));
    expect(encryptSecretKey(KEY, "correct horse", { logN: 2 })).not.toBe(enc);
  });

  it("normalises the passphrase to NFKC", () => {
    const composed = "\u00c5\u03a9\u1e9b\u0323"; // ÅΩẛ̣ as in NIP-49's discussion of normalisation
    const decomposed = composed.normalize("NFD");
    expect(decomposed).not.toBe(composed);
    const enc = encryptSecretKey(KEY, composed, { logN: 1 });
    expect(bytesToHex(decryptSecretKey(enc, decomposed))).toBe(bytesToHex(KEY));
  });

  it("says the passphrase is wrong when it is", () => {
    const enc = encryptSecretKey(KEY, "right", { logN: 1 });
    const e = (() => {
      try {
        decryptSecretKey(enc, "wrong");
      } catch (err) {
        return err as IdentityError;
      }
      throw new Error("no error");
    })();
    expect(e.code).toBe("wrong-passphrase");
    expect(e.message).not.toContain("wrong");
    expect(codeOf(() => decryptSecretKey(enc, ""))).toBe("wrong-passphrase");
  });

  it("refuses damaged or hostile strings before running scrypt", () => {
    const enc = encryptSecretKey(KEY, "pw", { logN: 1 });
    expect(codeOf(() => decryptSecretKey("ncryptsec1qqqq", "pw"))).toBe("bad-ncryptsec");
    expect(codeOf(() => decryptSecretKey(`${enc.slice(0, -1)}${enc.endsWith("q") ? "p" : "q"}`, "pw"))).toBe(
      "bad-ncryptsec",
    );
    expect(codeOf(() => decryptSecretKey(vectors.nip06[0]!.nsec, "pw"))).toBe("bad-ncryptsec");
    expect(codeOf(() => decryptSecretKey(42 as unknown as string, "pw"))).toBe("bad-ncryptsec");
    // Length boundaries: 90 and 92 raw bytes.
    expect(
      codeOf(() =>
        decryptSecretKey(
          edited(enc, (b) => b.slice(0, 90)),
          "pw",
        ),
      ),
    ).toBe("bad-ncryptsec");
    expect(
      codeOf(() =>
        decryptSecretKey(
          edited(enc, (b) => Uint8Array.from([...b, 0])),
          "pw",
        ),
      ),
    ).toBe("bad-ncryptsec");
    // Unknown version.
    expect(
      codeOf(() =>
        decryptSecretKey(
          edited(enc, (b) => b.map((x, i) => (i === 0 ? 3 : x))),
          "pw",
        ),
      ),
    ).toBe("bad-ncryptsec");
    // A log_n that would make scrypt allocate 2^(n+10) bytes is refused without trying.
    const hostile = edited(enc, (b) => b.map((x, i) => (i === 1 ? 40 : x)));
    expect(codeOf(() => decryptSecretKey(hostile, "pw"))).toBe("bad-ncryptsec");
    expect(
      codeOf(() => inspectNcryptsec(edited(enc, (b) => b.map((x, i) => (i === 1 ? MAX_LOG_N + 1 : x))))),
    ).toBe("bad-ncryptsec");
    expect(codeOf(() => inspectNcryptsec(edited(enc, (b) => b.map((x, i) => (i === 1 ? 0 : x)))))).toBe(
      "bad-ncryptsec",
    );
    // Key security byte beyond 2.
    expect(
      codeOf(() =>
        decryptSecretKey(
          edited(enc, (b) => b.map((x, i) => (i === 42 ? 3 : x))),
          "pw",
        ),
      ),
    ).toBe("bad-ncryptsec");
    // A flipped key security byte is authenticated data: it breaks the tag.
    expect(
      codeOf(() =>
        decryptSecretKey(
          edited(enc, (b) => b.map((x, i) => (i === 42 ? 1 : x))),
          "pw",
        ),
      ),
    ).toBe("wrong-passphrase");
  });

  it("refuses bad parameters when encrypting", () => {
    expect(codeOf(() => encryptSecretKey(KEY, "", { logN: 1 }))).toBe("bad-parameter");
    expect(codeOf(() => encryptSecretKey(KEY, "pw", { logN: 0 }))).toBe("bad-parameter");
    expect(codeOf(() => encryptSecretKey(KEY, "pw", { logN: MAX_LOG_N + 1 }))).toBe("bad-parameter");
    expect(codeOf(() => encryptSecretKey(KEY, "pw", { logN: 1.5 }))).toBe("bad-parameter");
    expect(codeOf(() => encryptSecretKey(KEY, "pw", { logN: 1, keySecurity: 3 as 0 }))).toBe("bad-parameter");
    expect(codeOf(() => encryptSecretKey(new Uint8Array(32), "pw", { logN: 1 }))).toBe("bad-secret-key");
  });
});

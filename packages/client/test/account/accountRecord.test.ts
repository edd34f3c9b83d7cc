/**
 * The account record: made from words, unlocked, protected with a NIP-49 passphrase and opened
 * again, and refused when damaged — with plain-words errors and no secret in any message.
 */
import { generateRecoveryWords } from "@rally/protocol/identity";
import { describe, expect, it } from "vitest";
import {
  accountFromWords,
  checkName,
  checkRelays,
  DEFAULT_RELAY,
  protectAccount,
  readAccountRecord,
  unlockAccount,
} from "../../src/account/accountRecord.ts";

const WORDS = "leader monkey parrot ring guide accident before fence cannon height naive bean";

describe("account record", () => {
  it("derives the NIP-06 key from the words and gives both back when unlocked", () => {
    const { record, secrets } = accountFromWords({
      words: WORDS,
      name: "Ana",
      relays: [DEFAULT_RELAY],
      now: 1,
      recovered: true,
    });
    // NIP-06 test vector for these words.
    expect(record.pubkey).toBe("17162c921dc4d2518f9a101db33695df1afb56ab82f5ff3e5da6eec3ca5cd917");
    expect(record.key.type).toBe("plain");
    const opened = unlockAccount(record, null);
    expect(opened.words).toBe(WORDS);
    expect(opened.secretKey).toEqual(secrets.secretKey);
  });

  it("protects key and words with a passphrase; the wrong one or none is refused", () => {
    const words = generateRecoveryWords();
    const made = accountFromWords({ words, name: "Bo", relays: [DEFAULT_RELAY], now: 1, recovered: false });
    const locked = protectAccount(made.record, made.secrets, "correct horse");
    expect(locked.key.type).toBe("ncryptsec");
    expect(locked.words.type).toBe("ncryptsec");
    expect(JSON.stringify(locked)).not.toContain(words);
    expect(() => unlockAccount(locked, null)).toThrow(/passphrase/i);
    expect(() => unlockAccount(locked, "wrong horse")).toThrow();
    expect(unlockAccount(locked, "correct horse").words).toBe(words);
    const plain = protectAccount(locked, made.secrets, null);
    expect(unlockAccount(plain, null).words).toBe(words);
    expect(() => protectAccount(made.record, made.secrets, "")).toThrow(/empty/);
  });

  it("checks names and relays in plain words", () => {
    expect(checkName("  Ana  ")).toBe("Ana");
    expect(() => checkName("")).toThrow(/name/);
    expect(() => checkName("a".repeat(101))).toThrow(/at most 100/);
    expect(() => checkName("bad\u0007name")).toThrow(/control/);
    expect(checkRelays(undefined)).toEqual([DEFAULT_RELAY]);
    expect(() => checkRelays(["http://example.org"])).toThrow(/ws:\/\//);
  });

  it("refuses a damaged stored record", () => {
    expect(() => readAccountRecord({ v: 2 })).toThrow(/damaged/);
    expect(() => readAccountRecord(undefined)).toThrow(/damaged/);
  });
});

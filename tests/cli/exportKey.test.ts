/**
 * `rally account export --ncryptsec` (docs/decisions/0006-recovery-words.md): the account's key
 * leaves Rally only encrypted under a passphrase the person chooses (NIP-49), read from standard
 * input with `--passphrase-stdin` (after the device's own passphrase when it is locked), never
 * from the command line. The exported key is the NIP-06 key of the twelve words the account shows,
 * so accounts keep the key they always had.
 */
import fs from "node:fs";
import {
  decryptSecretKey,
  inspectNcryptsec,
  personFromSecretKey,
  secretKeyFromRecoveryWords,
} from "@rally/protocol/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

const EXPORT_PASSPHRASE = "blue kettle on the allotment";
const DEVICE_PASSPHRASE = "correct horse";

let relay: RelayHandle;
let root: string;

beforeAll(async () => {
  root = tempRoot("rally-cli-export-");
  relay = await startRelay();
}, 120_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

async function person(name: string): Promise<Person> {
  const p = new Person(name, root);
  await p.createAccount(relay.url);
  return p;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

describe("rally account export --ncryptsec", { timeout: 300_000 }, () => {
  it("prints the key of the shown words as an ncryptsec that only the chosen passphrase opens", async () => {
    const ada = await person("Ada Alder");
    const { words } = await ada.ok<{ words: string }>("account", "words");
    const out = await ada
      .given(`${EXPORT_PASSPHRASE}\n`)
      .ok<{ npub: string; ncryptsec: string }>("account", "export", "--ncryptsec", "--passphrase-stdin");
    expect(out.npub).toBe(ada.npub);
    expect(out.ncryptsec).toMatch(/^ncryptsec1[02-9ac-hj-np-z]+$/);
    expect(inspectNcryptsec(out.ncryptsec).logN).toBe(16);

    const key = decryptSecretKey(out.ncryptsec, EXPORT_PASSPHRASE);
    expect(personFromSecretKey(key).pubkey).toBe(ada.pubkey);
    // The same key NIP-06 derives from the words: exporting changes nothing about the account.
    expect(hex(key)).toBe(hex(secretKeyFromRecoveryWords(words)));
    expect(() => decryptSecretKey(out.ncryptsec, "another passphrase")).toThrow(/passphrase/);

    // Without --json, stdout is the ncryptsec alone and the advice is on stderr.
    const plain = await rally(
      ["account", "export", "--ncryptsec", "--passphrase-stdin", "--home", ada.home],
      { input: `${EXPORT_PASSPHRASE}\n` },
    );
    expect(plain.code).toBe(0);
    expect(plain.stdout.trim()).toMatch(/^ncryptsec1[02-9ac-hj-np-z]+$/);
    expect(plain.stderr).toMatch(/Keep the two apart/);
    expect(hex(decryptSecretKey(plain.stdout.trim(), EXPORT_PASSPHRASE))).toBe(hex(key));
  });

  it("on a locked device: the device's passphrase first, then the new one", async () => {
    const bea = await person("Bea Birch");
    await bea.given(`${DEVICE_PASSPHRASE}\n`).ok("account", "passphrase", "set", "--passphrase-stdin");
    const out = await bea
      .given(`${DEVICE_PASSPHRASE}\n${EXPORT_PASSPHRASE}\n`)
      .ok<{ ncryptsec: string }>("account", "export", "--ncryptsec", "--passphrase-stdin");
    expect(personFromSecretKey(decryptSecretKey(out.ncryptsec, EXPORT_PASSPHRASE)).pubkey).toBe(bea.pubkey);
    expect(() => decryptSecretKey(out.ncryptsec, DEVICE_PASSPHRASE)).toThrow(/passphrase/);

    const wrong = await bea
      .given(`not the passphrase\n${EXPORT_PASSPHRASE}\n`)
      .fails("account", "export", "--ncryptsec", "--passphrase-stdin");
    expect(wrong.error).toMatch(/Wrong passphrase/);
    const onlyOne = await bea
      .given(`${DEVICE_PASSPHRASE}\n`)
      .fails("account", "export", "--ncryptsec", "--passphrase-stdin");
    expect(onlyOne.error).toMatch(/standard input ended before the passphrase for the exported key/);
  });

  it("refuses a passphrase on the command line, an empty one, no way to type one, and a bare nsec", async () => {
    const cy = await person("Cy Cedar");
    const inArgv = await cy.fails("account", "export", "--ncryptsec", EXPORT_PASSPHRASE);
    expect(inArgv.error).toMatch(/never taken from the command line/);
    expect(`${inArgv.error}${inArgv.stderr}`).not.toContain(EXPORT_PASSPHRASE);

    const empty = await cy.given("\n").fails("account", "export", "--ncryptsec", "--passphrase-stdin");
    expect(empty.error).toMatch(/empty passphrase for the exported key is refused/);

    const noTerminal = await cy.fails("account", "export", "--ncryptsec");
    expect(noTerminal.error).toMatch(/no terminal/i);
    expect(noTerminal.error).toMatch(/--passphrase-stdin/);

    const what = await cy.given(`${EXPORT_PASSPHRASE}\n`).fails("account", "export", "--passphrase-stdin");
    expect(what.error).toMatch(/--ncryptsec/);
    expect(what.error).toMatch(/does not print the bare key/);

    const none = new Person("Dee Nobody", root);
    const noAccount = await none
      .given(`${EXPORT_PASSPHRASE}\n`)
      .fails("account", "export", "--ncryptsec", "--passphrase-stdin");
    expect(noAccount.error).toMatch(/no account on this device/);
  });
});

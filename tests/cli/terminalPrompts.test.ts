/**
 * Secrets typed at a real terminal (a pseudo-terminal from util-linux `script`), as a person types
 * them: the prompts show, nothing typed is echoed, a new passphrase is asked twice and two that
 * differ are refused, a locked device asks "Passphrase for Rally on this device:" before any
 * command and counts a wrong one, and the recovery words are read the same way.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, tempRoot } from "./support.ts";
import { rallyInTerminal } from "./terminal.ts";

const PASSPHRASE = "correct horse";
const UNLOCK = "Passphrase for Rally on this device:";

let relay: RelayHandle;
let root: string;

beforeAll(async () => {
  root = tempRoot("rally-cli-terminal-");
  relay = await startRelay();
}, 120_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("passphrases typed at a terminal", { timeout: 300_000 }, () => {
  it("set asks twice without echo; every command then asks for it; a wrong one is counted", async () => {
    const ada = new Person("Ada Agrimony", root);
    await ada.createAccount(relay.url);

    const differ = await rallyInTerminal(
      ["account", "passphrase", "set", "--home", ada.home],
      [
        { prompt: "New passphrase:", type: PASSPHRASE },
        { prompt: "New passphrase again:", type: "correct house" },
      ],
    );
    expect(differ.code).toBe(1);
    expect(differ.screen).toMatch(/differ: nothing was changed/);
    expect(differ.screen).not.toContain(PASSPHRASE);
    expect((await ada.ok<{ protection: string }>("account", "show")).protection).toBe("device");

    const set = await rallyInTerminal(
      ["account", "passphrase", "set", "--home", ada.home],
      [
        { prompt: "New passphrase:", type: PASSPHRASE },
        { prompt: "New passphrase again:", type: PASSPHRASE },
      ],
    );
    expect(set.code).toBe(0);
    expect(set.screen).toMatch(/Passphrase set/);
    expect(set.screen).not.toContain(PASSPHRASE);

    const wrong = await rallyInTerminal(
      ["group", "list", "--home", ada.home],
      [{ prompt: UNLOCK, type: "wrong horse" }],
    );
    expect(wrong.code).toBe(1);
    expect(wrong.screen).toContain("Wrong passphrase (1 wrong try since the last unlock).");
    expect(wrong.screen).not.toContain("wrong horse");

    const shown = await rallyInTerminal(
      ["account", "show", "--home", ada.home],
      [{ prompt: UNLOCK, type: PASSPHRASE }],
    );
    expect(shown.code).toBe(0);
    expect(shown.screen).toContain(ada.npub);
    expect(shown.screen).toContain("This device is protected by a passphrase");
    expect(shown.screen).not.toContain(PASSPHRASE);

    const removed = await rallyInTerminal(
      ["account", "passphrase", "remove", "--home", ada.home],
      [{ prompt: UNLOCK, type: PASSPHRASE }],
    );
    expect(removed.code).toBe(0);
    expect(removed.screen).not.toContain(PASSPHRASE);
    expect((await ada.ok<{ protection: string }>("account", "show")).protection).toBe("device");
  });

  it("the recovery words are asked for and not shown", async () => {
    const bea = new Person("Bea Betony", root);
    await bea.createAccount(relay.url);
    const { words } = await bea.ok<{ words: string }>("account", "words");
    const again = new Person("Bob Again", root);
    const r = await rallyInTerminal(
      ["account", "recover", "--relay", relay.url, "--home", again.home],
      [{ prompt: "recovery words", type: words }],
    );
    expect(r.code).toBe(0);
    expect(r.screen).toContain(bea.npub);
    expect(r.screen).not.toContain(words);
  });
});

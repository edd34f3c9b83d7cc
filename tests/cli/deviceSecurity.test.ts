/**
 * A device's passphrase through the `rally` command, with the secrets given the way a script gives
 * them: on standard input (`--passphrase-stdin`, recovery words piped in), never on the command
 * line or in the environment. A locked device without a terminal says how to unlock it; wrong
 * passphrases are counted; the duress passphrase leaves a new, empty device; `erase` needs `--yes`.
 * The same prompts typed at a real terminal are in terminalPrompts.test.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../apps/cli/src/main.ts";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

const PASSPHRASE = "correct horse";
const GROUP = "Allotment Committee";

interface Shown {
  npub: string;
  name: string;
  protection: "device" | "passphrase";
}

let relay: RelayHandle;
let root: string;

beforeAll(async () => {
  root = tempRoot("rally-cli-security-");
  relay = await startRelay();
}, 120_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A person with an account on a device of their own. */
async function person(name: string): Promise<Person> {
  const p = new Person(name, root);
  await p.createAccount(relay.url);
  return p;
}

/** `rally account show` as a person reads it (no --json). */
function showText(p: Person) {
  return rally(["account", "show", "--home", p.home]);
}

/** Every file of a home with its bytes, to see that a command changed nothing. */
function snapshot(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(home)) {
    const file = path.join(home, name);
    if (fs.statSync(file).isFile()) out[name] = fs.readFileSync(file).toString("base64");
  }
  return out;
}

describe("a passphrase for the device, given on standard input", { timeout: 300_000 }, () => {
  it("set: show says what protects the device; a locked device with no terminal says how to unlock it", async () => {
    const ann = await person("Ann Aster");
    const before = await ann.ok<Shown>("account", "show");
    expect(before.protection).toBe("device");
    const plain = await showText(ann);
    expect(plain.stdout).toContain(
      "This device is not protected by a passphrase: anyone who copies its files can read your messages.",
    );

    const set = await rally(["account", "passphrase", "set", "--passphrase-stdin", "--home", ann.home], {
      input: `${PASSPHRASE}\n`,
    });
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/everything Rally keeps on this device — your messages, groups and keys/);
    expect(set.stdout).toMatch(/recovery words still restore your account/);
    expect(set.stdout).not.toContain(PASSPHRASE);

    const locked = await ann.fails("account", "show");
    expect(locked.error).toMatch(/locked/i);
    expect(locked.error).toMatch(/terminal/);
    expect(locked.error).toMatch(/--passphrase-stdin/);

    const shown = await ann.given(`${PASSPHRASE}\n`).ok<Shown>("account", "show", "--passphrase-stdin");
    expect(shown).toMatchObject({ npub: before.npub, name: "Ann Aster", protection: "passphrase" });
    const text = await showText(ann);
    expect(text.code).toBe(1);
    const unlocked = await rally(["account", "show", "--passphrase-stdin", "--home", ann.home], {
      input: `${PASSPHRASE}\n`,
    });
    expect(unlocked.stdout).toContain("This device is protected by a passphrase");
    expect(unlocked.stdout).not.toContain(PASSPHRASE);
  });

  it("the passphrase is the first line; what the command reads from standard input follows", async () => {
    const ben = await person("Ben Borage");
    await ben.ok("group", "create", GROUP);
    await ben.given(`${PASSPHRASE}\n`).ok("account", "passphrase", "set", "--passphrase-stdin");
    await ben
      .given(`${PASSPHRASE}\nSeedlings at the gate\nfrom 9 o'clock\n`)
      .ok("chat", "send", GROUP, "-", "--passphrase-stdin");
    const list = await ben
      .given(`${PASSPHRASE}\n`)
      .ok<{ text?: string }[]>("chat", "list", GROUP, "--offline", "--passphrase-stdin");
    const texts = list.map((m) => m.text ?? "");
    expect(texts).toContain("Seedlings at the gate\nfrom 9 o'clock");
    expect(texts.join("\n")).not.toContain(PASSPHRASE);
  });

  it("wrong passphrases are refused and counted until the next unlock", async () => {
    const cai = await person("Cai Chervil");
    await cai.given(`${PASSPHRASE}\n`).ok("account", "passphrase", "set", "--passphrase-stdin");
    for (const n of [1, 2, 3]) {
      const wrong = await cai.given("correct horse battery\n").fails("account", "show", "--passphrase-stdin");
      expect(wrong.error).toBe(
        `Wrong passphrase (${n} wrong ${n === 1 ? "try" : "tries"} since the last unlock).`,
      );
      expect(wrong.code).toBe(1);
    }
    await cai.given(`${PASSPHRASE}\n`).ok("account", "show", "--passphrase-stdin");
    const again = await cai.given("nope\n").fails("account", "show", "--passphrase-stdin");
    expect(again.error).toBe("Wrong passphrase (1 wrong try since the last unlock).");
  });

  it("change needs the current passphrase; remove leaves the device unprotected; empty and doubled refused", async () => {
    const dot = await person("Dot Dill");
    const empty = await dot.given("\n").fails("account", "passphrase", "set", "--passphrase-stdin");
    expect(empty.error).toMatch(/empty/i);
    expect((await dot.ok<Shown>("account", "show")).protection).toBe("device");
    expect((await dot.fails("account", "passphrase", "change", "--passphrase-stdin")).error).toMatch(
      /no passphrase/i,
    );

    await dot.given(`${PASSPHRASE}\n`).ok("account", "passphrase", "set", "--passphrase-stdin");
    const twice = await dot
      .given("another one\n")
      .fails("account", "passphrase", "set", "--passphrase-stdin");
    expect(twice.error).toMatch(/already has a passphrase/);

    const badCurrent = await dot
      .given("not it\nbattery staple\n")
      .fails("account", "passphrase", "change", "--passphrase-stdin");
    expect(badCurrent.error).toMatch(/^Wrong passphrase/);
    await dot.given(`${PASSPHRASE}\n`).ok("account", "show", "--passphrase-stdin");

    const changed = await dot
      .given(`${PASSPHRASE}\nbattery staple\n`)
      .ok<{ protection: string }>("account", "passphrase", "change", "--passphrase-stdin");
    expect(changed).toEqual({ protection: "passphrase" });
    expect((await dot.given(`${PASSPHRASE}\n`).fails("account", "show", "--passphrase-stdin")).error).toMatch(
      /^Wrong passphrase/,
    );

    const removed = await dot
      .given("battery staple\n")
      .ok<{ protection: string }>("account", "passphrase", "remove", "--passphrase-stdin");
    expect(removed).toEqual({ protection: "device" });
    expect((await dot.ok<Shown>("account", "show")).protection).toBe("device");
  });

  it("the duress passphrase, typed to unlock, leaves a new and empty device", async () => {
    const eve = await person("Eve Elder");
    await eve.ok("group", "create", GROUP);
    const needs = await eve.given("run away\n").fails("account", "duress", "set", "--passphrase-stdin");
    expect(needs.error).toMatch(/needs a passphrase first/);

    await eve.given(`${PASSPHRASE}\n`).ok("account", "passphrase", "set", "--passphrase-stdin");
    const set = await eve
      .given(`${PASSPHRASE}\nrun away\n`)
      .ok<{ duress: boolean }>("account", "duress", "set", "--passphrase-stdin");
    expect(set).toEqual({ duress: true });

    const shown = await eve.given("run away\n").fails("account", "show", "--passphrase-stdin");
    expect(shown.error).toMatch(/no account on this device yet/i);
    expect(await eve.ok("group", "list", "--offline")).toEqual([]);
    expect((await eve.fails("account", "show")).error).toMatch(/no account on this device yet/i);
    const fresh = await eve.ok<{ npub: string }>(
      "account",
      "create",
      "--name",
      "Someone",
      "--relay",
      relay.url,
    );
    expect(fresh.npub).not.toBe(eve.npub);
  });

  it("the duress passphrase given as the current one to change the passphrase: the change looks done, on a new device", async () => {
    const max = await person("Max Mint");
    await max.given(`${PASSPHRASE}\n`).ok("account", "passphrase", "set", "--passphrase-stdin");
    await max.given(`${PASSPHRASE}\nrun away\n`).ok("account", "duress", "set", "--passphrase-stdin");
    const changed = await rally(
      ["account", "passphrase", "change", "--passphrase-stdin", "--home", max.home],
      { input: "run away\nbattery staple\n" },
    );
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/^Passphrase changed/);
    const shown = await max.given("battery staple\n").fails("account", "show", "--passphrase-stdin");
    expect(shown.error).toMatch(/no account on this device yet/i);
    expect((await max.given(`${PASSPHRASE}\n`).fails("account", "show", "--passphrase-stdin")).error).toMatch(
      /^Wrong passphrase/,
    );
  });

  it("erase: refused without --yes and nothing changes; with --yes the words bring the account back", async () => {
    const fay = await person("Fay Fennel");
    await fay.ok("group", "create", GROUP);
    const { words } = await fay.ok<{ words: string }>("account", "words");
    const before = snapshot(fay.home);

    const refused = await fay.fails("account", "erase");
    expect(refused.error).toMatch(/would erase/i);
    expect(refused.error).toMatch(/--yes/);
    expect(snapshot(fay.home)).toEqual(before);
    expect((await fay.ok<Shown>("account", "show")).npub).toBe(fay.npub);

    const erased = await rally(["account", "erase", "--yes", "--home", fay.home]);
    expect(erased.code).toBe(0);
    expect(erased.stdout).toMatch(/erased/);
    expect(erased.stdout).toMatch(/recovery words restore your account on another device/);
    expect((await fay.fails("account", "show")).error).toMatch(/no account on this device yet/i);

    const back = await fay.given(words).ok<{ npub: string }>("account", "recover", "--relay", relay.url);
    expect(back.npub).toBe(fay.npub);
  });
});

describe("secrets never on the command line or in the environment", { timeout: 300_000 }, () => {
  it("no command takes a passphrase as an argument or an option's value", async () => {
    const offenders: string[] = [];
    const walk = (cmd: Command, at: string) => {
      for (const opt of cmd.options) {
        const takesValue = opt.required || opt.optional;
        if (takesValue && /pass|secret|nsec/i.test(opt.long ?? "")) offenders.push(`${at} ${opt.long}`);
      }
      for (const arg of cmd.registeredArguments) {
        if (/pass|secret|word/i.test(arg.name())) offenders.push(`${at} <${arg.name()}>`);
      }
      for (const sub of cmd.commands) walk(sub, `${at} ${sub.name()}`);
    };
    walk(await buildProgram(), "rally");
    expect(offenders).toEqual([]);

    const gus = await person("Gus Garlic");
    for (const args of [
      ["account", "passphrase", "set", PASSPHRASE],
      ["account", "passphrase", "change", PASSPHRASE, "battery staple"],
      ["account", "passphrase", "remove", PASSPHRASE],
      ["account", "duress", "set", PASSPHRASE],
    ]) {
      const r = await gus.fails(...args);
      expect(r.error).toMatch(/never taken from the command line/);
    }
    expect((await gus.ok<Shown>("account", "show")).protection).toBe("device");
  });

  it("while a command waits for the passphrase, neither its arguments nor its environment hold it", async () => {
    const hal = await person("Hal Hyssop");
    const { spawn } = await import("node:child_process");
    const child = spawn(
      process.execPath,
      ["apps/cli/bin/rally.js", "account", "passphrase", "set", "--passphrase-stdin", "--home", hal.home],
      {
        cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.."),
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    // The passphrase goes in and the input stays open: the process is alive and has read it.
    child.stdin.write(`${PASSPHRASE}`);
    await new Promise((r) => setTimeout(r, 1500));
    const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8");
    const environ = fs.readFileSync(`/proc/${child.pid}/environ`, "utf8");
    expect(cmdline).toContain("passphrase");
    expect(cmdline).not.toContain(PASSPHRASE);
    expect(environ).not.toContain(PASSPHRASE);
    const done = new Promise<number>((r) => child.on("close", (code) => r(code ?? -1)));
    child.stdin.end("\n");
    expect(await done).toBe(0);
    expect(
      (await hal.given(`${PASSPHRASE}\n`).ok<Shown>("account", "show", "--passphrase-stdin")).protection,
    ).toBe("passphrase");
  });

  it("RALLY_PASSPHRASE is refused with the way to give the passphrase now", async () => {
    const r = await rally(["account", "show", "--home", path.join(root, "env")], {
      env: { RALLY_PASSPHRASE: PASSPHRASE },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/RALLY_PASSPHRASE/);
    expect(r.stderr).toMatch(/--passphrase-stdin/);
    expect(r.stderr).not.toContain(PASSPHRASE);
  });

  it("a device protected by the first milestone's RALLY_PASSPHRASE opens with the passphrase on standard input", async () => {
    const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/firstMilestone");
    const home = path.join(root, "bob-old");
    fs.mkdirSync(home);
    fs.copyFileSync(path.join(fixture, "bob-passphrase/rally.db"), path.join(home, "rally.db"));
    const old = "correct horse battery staple";
    const viaEnv = await rally(["account", "show", "--home", home], { env: { RALLY_PASSPHRASE: old } });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toMatch(/--passphrase-stdin/);
    const shown = await rally(["account", "show", "--passphrase-stdin", "--json", "--home", home], {
      input: `${old}\n`,
    });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: "Bob Okafor", protection: "passphrase" });
  });

  it("recovery words: --words is refused with why and how; piped words work", async () => {
    const ivy = await person("Ivy Iris");
    const { words } = await ivy.ok<{ words: string }>("account", "words");
    const other = new Person("Ira Again", root);
    const refused = await other.fails("account", "recover", "--words", words);
    expect(refused.error).toMatch(/visible to other programs/);
    expect(refused.error).toMatch(/type the words when asked, or pipe them/);
    expect(`${refused.error}${refused.stderr}`).not.toContain(words);
    expect((await other.fails("account", "recover")).error).toMatch(/No recovery words given/);
    const back = await other
      .given(`${words}\n`)
      .ok<{ npub: string }>("account", "recover", "--relay", relay.url);
    expect(back.npub).toBe(ivy.npub);
  });

  it("an invite link on standard input: rally join - and rally join with the link piped in", async () => {
    const jo = await person("Jo Juniper");
    const kit = await person("Kit Kale");
    const lou = await person("Lou Lovage");
    await jo.ok("group", "create", GROUP);
    const { url } = await jo.ok<{ url: string }>("group", "link", GROUP, "--uses", "5");
    expect(await kit.given(`${url}\n`).ok("join", "-")).toEqual({ state: "waiting", group: GROUP });
    expect(await lou.given(url).ok("join")).toEqual({ state: "waiting", group: GROUP });
    await jo.ok("sync");
    expect(await kit.given(url).ok("join", "-")).toMatchObject({ state: "joined", name: GROUP });
    expect(await lou.ok("join", url)).toMatchObject({ state: "joined", name: GROUP });
  });
});

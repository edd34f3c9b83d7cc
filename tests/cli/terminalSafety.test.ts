/**
 * What a hostile member writes reaches another member's terminal without anything the terminal
 * would act on (review finding F15). Mallory — a real account on a real relay, invited by Bob —
 * names herself and writes a message, an event and a poll with ESC sequences (OSC 52 clipboard
 * write, CSI cursor moves), the one-byte C1 CSI, bidi overrides and line breaks. Bob's human output
 * of `group list`, `group members`, `chat list`, `event list` and `poll list` carries none of them,
 * and a line break in a message or a place is an indented continuation, never a line of its own
 * (so "Bob Bumblebee: I agree to pay 500 EUR" cannot appear as Bob's). Bob's `--json` output keeps
 * every string exactly, escaping what JSON.stringify leaves raw; an error quoting a hostile argument
 * prints clean.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, type RunResult, rally, tempRoot } from "./support.ts";

const ESC = "\u001b";
const BEL = "\u0007";
const OSC52 = `${ESC}]52;c;ZWNobyBwd25lZA==${BEL}`;
const CSI_UP = `${ESC}[1A${ESC}[2K`;
const C1_CSI = "\u009b2J";
const RLO = "\u202e";
const ISOLATE = "\u2066";

const NAME = `Mallory${RLO}ecilA${C1_CSI}`;
const GROUP = `Neighbours${OSC52}${ISOLATE} union`;
const FORGED = "Bob Bumblebee: I agree to pay 500 EUR";
const MESSAGE = `see you there${OSC52}${RLO}${CSI_UP}\n${FORGED}\r\nand${C1_CSI} more`;
const TITLE = `Picnic${CSI_UP}${RLO}`;
const PLACE = `Park${OSC52}\nBob Bumblebee: cancelled`;
const QUESTION = `Bring${RLO} what?${ESC}]0;title${BEL}`;

/** Anything a terminal could act on: C0 but tab/LF, DEL, C1, bidi controls and direction marks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters.
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let relay: RelayHandle;
let root: string;
let mallory: Person;
let bob: Person;
let groupId = "";

/** Runs a command as `p` for people: no `--json`. */
function human(p: Person, ...args: string[]): Promise<RunResult> {
  return rally([...args, "--home", p.home]);
}

function expectClean(r: RunResult): void {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).not.toMatch(ACTIVE);
  expect(r.stderr).not.toMatch(ACTIVE);
  expect(r.stdout).not.toMatch(/[\u2028\u2029]/);
}

beforeAll(async () => {
  root = tempRoot("rally-cli-terminal-");
  relay = await startRelay();
  mallory = new Person("Mallory", root);
  bob = new Person("Bob Bumblebee", root);
  const a = await mallory.ok<{ npub: string }>("account", "create", "--name", NAME, "--relay", relay.url);
  mallory.npub = a.npub;
  await bob.createAccount(relay.url);
  const g = await bob.ok<{ id: string }>("group", "create", GROUP);
  groupId = g.id;
  await bob.ok("group", "invite", groupId, mallory.npub);
  const invites = await mallory.ok<{ id: string }[]>("invites");
  await mallory.ok("invites", "accept", invites[0]!.id);
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("untrusted text on the terminal", { timeout: 300_000 }, () => {
  it("a message with OSC 52, CSI, C1, bidi and line breaks: none reach Bob, continuations indented", async () => {
    await mallory.ok("chat", "send", groupId, MESSAGE);
    await mallory.ok(
      "event",
      "create",
      groupId,
      "--title",
      TITLE,
      "--start",
      "2027-05-01T12:00",
      "--end",
      "2027-05-01T15:00",
      "--location",
      PLACE,
    );
    await mallory.ok("poll", "create", groupId, QUESTION, "--option", `yes${RLO}`, "--option", `no${OSC52}`);

    const chat = await human(bob, "chat", "list", groupId);
    expectClean(chat);
    const lines = chat.stdout.trimEnd().split("\n");
    const first = lines.findIndex((l) => l.includes("see you there"));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(lines[first]).toMatch(/^\[[\d-]+ [\d:]+\] [^\n]+: see you there\]52;c;ZWNobyBwd25lZA==\[1A\[2K$/);
    // The forged line and the one after the CR LF stay inside Mallory's message, indented.
    expect(lines[first + 1]).toBe(`    ${FORGED}`);
    expect(lines[first + 2]).toBe("    and2J more");
    expect(lines.filter((l) => l.startsWith("Bob Bumblebee:"))).toEqual([]);

    for (const args of [
      ["group", "list"],
      ["group", "members", groupId],
      ["event", "list", groupId],
      ["poll", "list", groupId],
    ]) {
      const r = await human(bob, ...args);
      expectClean(r);
      expect(r.stdout.split("\n").filter((l) => l.startsWith("Bob Bumblebee:"))).toEqual([]);
    }
    const events = await human(bob, "event", "list", groupId);
    expect(events.stdout).toContain("Picnic[1A[2K");
    expect(events.stdout).toContain("    Bob Bumblebee: cancelled");
  });

  it("--json keeps every string exactly, with nothing raw a terminal would act on", async () => {
    const r = await bob.run("chat", "list", groupId);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ACTIVE);
    const list = JSON.parse(r.stdout) as { text: string }[];
    expect(list.map((m) => m.text)).toContain(MESSAGE);

    const members = await bob.run("group", "members", groupId);
    expect(members.stdout).not.toMatch(ACTIVE);
    expect((JSON.parse(members.stdout) as { name: string }[]).map((m) => m.name)).toContain(NAME);
  });

  it("an error quoting a hostile group reference prints clean", async () => {
    const r = await human(bob, "chat", "list", `${ESC}]52;c;eA==${BEL}nothing${RLO}`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toMatch(ACTIVE);
  });
});

/**
 * Bad or awkward input through the `rally` command, each refused in plain words with a non-zero
 * exit and nothing lost:
 *
 * - a message read from standard input (`-`) or a file (`--file`): UTF-8, one trailing line break
 *   dropped, the same limits as typed text; invalid UTF-8, an empty input and a missing file refused;
 * - lengths counted in characters (code points), with both numbers in the error;
 * - a message that shows nothing (spaces, zero-width and bidi characters) refused as empty;
 * - a full disk (SQLite's max_page_count on the home's database, so SQLite answers SQLITE_FULL for
 *   real): named as such, earlier messages intact, the same command fine once there is room.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

const MAX = 10_000; // MAX_CHAT_LENGTH in the protocol's chat.ts
const SMILE = "\u{1f600}";

let relay: RelayHandle;
let root: string;
let alice: Person;
let group = "";

interface Sent {
  id: string;
  text: string;
}

/** `rally chat send GROUP ARGS… --json` as Alice, with `input` on standard input. */
function send(args: string[], input?: string | Uint8Array, env?: Record<string, string>) {
  return rally(["chat", "send", group, ...args, "--home", alice.home, "--json"], {
    ...(input !== undefined ? { input } : {}),
    ...(env ? { env } : {}),
  });
}

function errorOf(r: { stdout: string }): string {
  return (JSON.parse(r.stdout) as { error: string }).error;
}

async function texts(): Promise<string[]> {
  const list = await alice.ok<{ type: string; text: string }[]>("chat", "list", group, "--offline");
  return list.filter((m) => m.type === "message").map((m) => m.text);
}

beforeAll(async () => {
  root = tempRoot("rally-cli-awkward-");
  relay = await startRelay();
  alice = new Person("Alice Aardvark", root);
  await alice.createAccount(relay.url);
  group = (await alice.ok<{ id: string }>("group", "create", "Allotment")).id;
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("a message from standard input or a file", { timeout: 300_000 }, () => {
  it("- reads standard input: echo's line break dropped once, inner and other line breaks kept", async () => {
    const r = await send(["-"], "hello from a pipe\n");
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Sent).text).toBe("hello from a pipe");
    const two = await send(["-"], "line one\nline two\n\n");
    expect((JSON.parse(two.stdout) as Sent).text).toBe("line one\nline two\n");
    const crlf = await send(["-"], "from Windows\r\n");
    expect((JSON.parse(crlf.stdout) as Sent).text).toBe("from Windows");
  });

  it(`a long message of exactly ${MAX} emoji goes through a file and reads back whole`, async () => {
    const file = path.join(root, "long.txt");
    const long = `${SMILE.repeat(MAX - 1)}\u{1f389}\n`; // MAX characters, and the line break an editor adds
    fs.writeFileSync(file, long);
    const r = await send(["--file", file]);
    expect(r.code, r.stderr).toBe(0);
    const sent = JSON.parse(r.stdout) as Sent;
    expect([...sent.text].length).toBe(MAX);
    expect(await texts()).toContain(sent.text);
  });

  it("one character more is refused with both numbers, from a file, a pipe or the command line", async () => {
    const tooLong = SMILE.repeat(MAX + 1);
    const file = path.join(root, "too-long.txt");
    fs.writeFileSync(file, tooLong);
    const expected = `The message is too long: it has ${MAX + 1} characters, and the most is ${MAX}.`;
    for (const r of [await send(["--file", file]), await send(["-"], tooLong), await send([tooLong])]) {
      expect(r.code).toBe(1);
      expect(errorOf(r)).toBe(expected);
    }
  });

  it("invalid UTF-8, an empty input, a missing file and both text and --file are refused in plain words", async () => {
    const bad = await send(["-"], new Uint8Array([0x68, 0x69, 0xff, 0xfe, 0x0a]));
    expect(bad.code).toBe(1);
    expect(errorOf(bad)).toBe("The standard input is not UTF-8 text: save it as UTF-8 and try again.");

    const empty = await send(["-"], "");
    expect(errorOf(empty)).toBe("The standard input is empty: nothing to send.");
    const newlineOnly = await send(["-"], "\n");
    expect(errorOf(newlineOnly)).toBe("The standard input is empty: nothing to send.");

    const missing = path.join(root, "no-such-file.txt");
    const r = await send(["--file", missing]);
    expect(r.code).toBe(1);
    expect(errorOf(r)).toBe(`Cannot read ${missing}: there is no such file.`);
    const dir = await send(["--file", root]);
    expect(errorOf(dir)).toBe(`Cannot read ${root}: it is a folder, not a file.`);

    const both = await send(["hello", "--file", missing]);
    expect(errorOf(both)).toBe("Give the message either as text or with --file, not both.");
    const none = await send([]);
    expect(errorOf(none)).toBe(
      "Give the message: as text, - to read it from standard input, or --file PATH.",
    );
  });
});

describe("an event description from standard input", { timeout: 300_000 }, () => {
  it("event create and edit --description - read several lines from standard input", async () => {
    const description = "Bring gloves.\nMeet at the shed.\n\nRain or shine.";
    const args = ["--title", "Digging day", "--start", "2030-05-01T10:00", "--description", "-"];
    const r = await rally(["event", "create", group, ...args, "--home", alice.home, "--json"], {
      input: `${description}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    const created = JSON.parse(r.stdout) as { id: string; description: string };
    expect(created.description).toBe(description);
    const edit = await rally(
      ["event", "edit", group, created.id, "--description", "-", "--home", alice.home, "--json"],
      { input: "Gloves provided.\n" },
    );
    expect(edit.code, edit.stderr).toBe(0);
    const list = await alice.ok<{ id: string; description: string }[]>("event", "list", group, "--offline");
    expect(list.find((e) => e.id === created.id)?.description).toBe("Gloves provided.");
  });
});

describe("a message that shows nothing", { timeout: 300_000 }, () => {
  it("spaces, zero-width, word-joiner, BOM and bidi characters are refused as empty, typed or piped", async () => {
    const before = await texts();
    const blanks = [
      "   ",
      "\u200b\u200c\u200d",
      " \u2060\ufeff ",
      "\u200e\u202e\u2066\u2069",
      "\u3000\u00a0",
    ];
    const piped = [await send(["-"], `${blanks[1]}\n`), await send(["-"], `${blanks[3]}\n`)];
    for (const r of [...piped, ...(await Promise.all(blanks.map((b) => send([b]))))]) {
      expect(r.code).toBe(1);
      expect(errorOf(r)).toBe("The message is empty: it holds only spaces or invisible characters.");
    }
    expect(await texts()).toEqual(before);
  });

  it("a blank-looking event title or poll question is refused too", async () => {
    const title = await alice.fails(
      "event",
      "create",
      group,
      "--title",
      "\u200b\u2060",
      "--start",
      "2030-05-01T10:00",
    );
    expect(title.error).toBe("The title is empty: it holds only spaces or invisible characters.");
    const poll = await alice.fails(
      "poll",
      "create",
      group,
      "\u00a0\u200d",
      "--option",
      "yes",
      "--option",
      "no",
    );
    expect(poll.error).toBe("The question is empty: it holds only spaces or invisible characters.");
  });
});

describe("a full disk", { timeout: 300_000 }, () => {
  it("is named as such; earlier messages stay; the same command succeeds once there is room", async () => {
    const before = await texts();
    expect(before.length).toBeGreaterThan(0);
    // No free pages inside the file (VACUUM), and no growth allowed: the next write that needs a
    // page gets SQLITE_FULL from SQLite itself, as on a disk with no room left.
    const db = new Database(path.join(alice.home, "rally.db"));
    db.exec("VACUUM");
    const pages = db.pragma("page_count", { simple: true }) as number;
    expect(db.pragma("freelist_count", { simple: true })).toBe(0);
    db.close();
    const file = path.join(root, "big.txt");
    fs.writeFileSync(file, `${"a long note about the allotment rota. ".repeat(250)}\n`);

    // The database may not grow past its current size: SQLite itself answers SQLITE_FULL.
    const full = await send(["--file", file], undefined, { RALLY_TEST_MAX_DB_PAGES: String(pages) });
    expect(full.code).not.toBe(0);
    expect(errorOf(full)).toMatch(
      /^The disk is full: Rally could not save its changes to .*rally\.db\. Free some space and try again; nothing was lost\.$/,
    );
    expect(full.stderr).toMatch(/^rally: The disk is full/m);
    expect(full.stderr).not.toMatch(/I\/O error/);

    // Everything from before is there, and nothing half-saved.
    expect(await texts()).toEqual(before);

    // Room again: the very same command goes through, once.
    const again = await send(["--file", file]);
    expect(again.code, again.stderr).toBe(0);
    const after = await texts();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.filter((t) => t.startsWith("a long note"))).toHaveLength(1);
  });
});

/**
 * One writer per device (issue 15), through the `rally` command: many commands started at once on
 * one home take turns through the home's device lock, so none encrypts on a state another one has
 * already used, and every message reaches the other members. Then a command killed with SIGKILL
 * while it holds the lock: the next command goes on, nothing it was told is saved is lost, and the
 * group keeps working for everyone.
 *
 * Real processes, a real relay, real SQLite homes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, type RunResult, rally, tempRoot } from "./support.ts";

interface Message {
  id: string;
  author: string;
  text: string;
  createdAt: number;
}
interface EventRow {
  id: string;
  title: string;
  rsvps: { going: string[]; maybe: string[]; declined: string[] };
}
interface PollRow {
  id: string;
  question: string;
  options: { id: string; label: string; votes: string[] }[];
}

const GROUP = "Night shift union";
const rallyBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../apps/cli/bin/rally.js");

let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;
let carol: Person;
let dave: Person;

/** Runs `rally ARGS --home H --json` as `p` and parses its JSON, failing with its output. */
function okJson<T>(p: Person, r: RunResult, what: string): T {
  if (r.code !== 0)
    throw new Error(`${what} failed for ${p.name} (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * Runs `rally ARGS --home H --json` as `p`, like `Person.run` but with room for twenty processes
 * starting at once on a busy two-core machine (each one loads and compiles the CLI first).
 */
function runMany(p: Person, ...args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [rallyBin, ...args, "--home", p.home, "--json"], {
      // Turns come in whatever order the waiting processes try; on a loaded machine the last of
      // twenty may wait longer than the default minute. The timeout itself is tested below.
      env: { ...process.env, RALLY_LOCK_TIMEOUT_MS: "300000" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 540_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function joinGroup(p: Person): Promise<void> {
  await p.ok("sync");
  const invites = await p.ok<{ id: string; group: string }[]>("invites");
  const mine = invites.find((i) => i.group === GROUP);
  if (!mine) throw new Error(`${p.name} has no invitation to ${GROUP}`);
  await p.ok("invites", "accept", mine.id);
}

beforeAll(async () => {
  root = tempRoot("rally-cli-concurrency-");
  relay = await startRelay();
  alice = new Person("Alice Ant", root);
  bob = new Person("Bob Bee", root);
  carol = new Person("Carol Crab", root);
  dave = new Person("Dave Dove", root);
  for (const p of [alice, bob, carol, dave]) await p.createAccount(relay.url);
  await alice.ok("group", "create", GROUP);
  await alice.ok("group", "invite", GROUP, bob.npub);
  await joinGroup(bob);
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe("many commands at once on one home", { timeout: 900_000 }, () => {
  it("twenty concurrent chat sends all reach the other member", async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `concurrent ${i + 1}`);
    const results = await Promise.all(texts.map((t) => runMany(alice, "chat", "send", GROUP, t)));
    for (const [i, r] of results.entries()) {
      const out = okJson<{ text: string; state: string }>(alice, r, `chat send ${i + 1}`);
      expect(out).toMatchObject({ text: texts[i], state: "sent" });
    }
    // Some commands had to wait for others, and the waiting ones said so on stderr.
    expect(results.some((r) => r.stderr.includes("Waiting for another Rally command on this device"))).toBe(
      true,
    );
    const seen = await bob.ok<Message[]>("chat", "list", GROUP);
    const fromAlice = seen.filter((m) => m.author === alice.npub).map((m) => m.text);
    expect(fromAlice.sort()).toEqual([...texts].sort());
    // Both devices fold the same messages into the same order.
    const own = await alice.ok<Message[]>("chat", "list", GROUP);
    const messageIds = (list: Message[]) => list.filter((m) => m.author === alice.npub).map((m) => m.id);
    expect(messageIds(own)).toEqual(messageIds(seen));
  });

  it("a mix of RSVPs, votes, sends and invitations at once: everything arrives", async () => {
    const events: EventRow[] = [];
    const polls: PollRow[] = [];
    for (let i = 0; i < 2; i++) {
      events.push(
        await alice.ok<EventRow>(
          "event",
          "create",
          GROUP,
          "--title",
          `Shift meeting ${i}`,
          "--start",
          `2027-0${i + 1}-10T18:00`,
          "--end",
          `2027-0${i + 1}-10T19:00`,
        ),
      );
      polls.push(
        await alice.ok<PollRow>(
          "poll",
          "create",
          GROUP,
          `Question ${i}`,
          "--option",
          "yes",
          "--option",
          "no",
        ),
      );
    }
    const texts = ["mixed 1", "mixed 2"];
    const runs: Promise<RunResult>[] = [
      ...events.map((e, i) => runMany(alice, "event", "rsvp", GROUP, e.id, i % 2 ? "maybe" : "going")),
      ...polls.map((p, i) => runMany(alice, "poll", "vote", GROUP, p.id, i % 2 ? "no" : "yes")),
      ...texts.map((t) => runMany(alice, "chat", "send", GROUP, t)),
      runMany(alice, "group", "invite", GROUP, carol.npub),
      runMany(alice, "group", "invite", GROUP, dave.npub),
    ];
    const results = await Promise.all(runs);
    for (const [i, r] of results.entries()) okJson(alice, r, `command ${i}`);

    const seenEvents = await bob.ok<EventRow[]>("event", "list", GROUP);
    for (const [i, e] of events.entries()) {
      const row = seenEvents.find((x) => x.id === e.id);
      expect(row?.rsvps[i % 2 ? "maybe" : "going"]).toContain(alice.npub);
    }
    const seenPolls = await bob.ok<PollRow[]>("poll", "list", GROUP);
    for (const [i, p] of polls.entries()) {
      const row = seenPolls.find((x) => x.id === p.id);
      expect(row?.options.find((o) => o.label === (i % 2 ? "no" : "yes"))?.votes).toContain(alice.npub);
    }
    const seen = await bob.ok<Message[]>("chat", "list", GROUP);
    for (const t of texts) expect(seen.map((m) => m.text)).toContain(t);

    // Both invitations went through, one after the other, and the newcomers read the group.
    await joinGroup(carol);
    await joinGroup(dave);
    const members = await bob.ok<{ npub: string }[]>("group", "members", GROUP);
    expect(members.map((m) => m.npub).sort()).toEqual([alice.npub, bob.npub, carol.npub, dave.npub].sort());
    await alice.ok("chat", "send", GROUP, "welcome Carol and Dave");
    for (const p of [carol, dave]) {
      const list = await p.ok<Message[]>("chat", "list", GROUP);
      expect(list.map((m) => m.text)).toContain("welcome Carol and Dave");
    }
  });
});

/** Starts `rally ARGS` as `p` and resolves once it says it holds the device lock (test hook). */
function startPausedInLock(p: Person, args: string[], pauseAt: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [rallyBin, ...args, "--home", p.home, "--json"], {
      env: { ...process.env, RALLY_TEST_PAUSE_IN_LOCK: String(pauseAt) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`never paused in the lock:\n${err}`));
    }, 60_000);
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      if (err.includes("holding the device lock")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before pausing in the lock:\n${err}`));
    });
  });
}

describe("a command killed while it holds the lock", { timeout: 300_000 }, () => {
  it("the next command waits, then proceeds; the message saved before the kill arrives", async () => {
    // `chat send` steps: 1 catch up, 2 send (state and outbox written), then deliver. Pause at the
    // end of step 2: the message is saved on the device but no relay has it yet.
    const child = await startPausedInLock(alice, ["chat", "send", GROUP, "saved before the kill"], 2);
    // A command started now has to wait for the paused one, and says so.
    const waiting = rally(
      ["chat", "send", GROUP, "sent while another waits", "--home", alice.home, "--json"],
      {
        env: { RALLY_LOCK_TIMEOUT_MS: "2500" },
      },
    );
    const timedOut = await waiting;
    expect(timedOut.code).not.toBe(0);
    expect(timedOut.stderr).toContain("Waiting for another Rally command on this device");
    expect(JSON.parse(timedOut.stdout).error).toMatch(/another Rally command on this device is still/i);
    // It says why it gave up, once, without blaming the relays.
    expect(timedOut.stderr).not.toMatch(/could not catch up/i);

    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;

    // The lock died with the process: the next command runs, and sends what the killed one saved.
    const after = await alice.ok<{ state: string }>("chat", "send", GROUP, "after the kill");
    expect(after.state).toBe("sent");
    const list = await bob.ok<Message[]>("chat", "list", GROUP);
    const texts = list.map((m) => m.text);
    expect(texts).toContain("saved before the kill");
    expect(texts).toContain("after the kill");
    expect(texts).not.toContain("sent while another waits");

    // And the group keeps working for everyone, in both directions.
    await bob.ok("chat", "send", GROUP, "Bob still here");
    const aliceSees = (await alice.ok<Message[]>("chat", "list", GROUP)).map((m) => m.text);
    expect(aliceSees).toContain("Bob still here");
  });
});

/**
 * Fair places through the `rally` command (issue 8 item 5), three people and a real relay. Alice
 * hosts an event with one place. Bob and Carol answer "going" within the same second, on their own
 * devices; Alice's device receives Bob's answer first, so Bob gets the place — whatever the
 * answers' ids, which used to decide ties — and every member's `rally event list --json` agrees.
 * Then Carol answers a second event with a clock set back (a backdated answer) after Bob's was
 * confirmed, and still waits. A decline passes the place on, and the person who gains it is told;
 * fewer places take one away, and the person who loses it is told.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

interface Row {
  id: string;
  capacity: number | null;
  rsvps: { going: string[]; maybe: string[]; declined: string[]; waitlist: string[]; asking: string[] };
  myRsvp: string | null;
  myPlace: "confirmed" | "asking" | "waitlist" | null;
  placeChange: "gained" | "lost" | null;
}

const GROUP = "Tenants of Harbour Court";
const slowClock = path.join(path.dirname(fileURLToPath(import.meta.url)), "slowClock.mjs");

let relay: RelayHandle;
let root: string;
let people: Person[] = [];
const alice = () => people[0]!;
const bob = () => people[1]!;
const carol = () => people[2]!;

/** `rally ARGS` as `p`, on a device whose clock reads `startMs` for the whole command. */
async function at(p: Person, startMs: number, ...args: string[]): Promise<unknown> {
  const r = await rally([...args, "--home", p.home, "--json"], {
    env: { NODE_OPTIONS: `--import=${slowClock}`, RALLY_TEST_CLOCK_START_MS: String(startMs) },
  });
  if (r.code !== 0)
    throw new Error(`rally ${args.join(" ")} failed for ${p.name}:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout);
}

async function row(p: Person, id: string): Promise<Row> {
  const list = await p.ok<Row[]>("event", "list", GROUP);
  const e = list.find((x) => x.id === id);
  if (!e) throw new Error(`${p.name} does not see event ${id}`);
  return e;
}

/** Every member's view of who has the place, waits and asks. */
async function agreed(id: string): Promise<Row["rsvps"]> {
  const views = [];
  for (const p of people) views.push((await row(p, id)).rsvps);
  for (const v of views.slice(1)) expect(v).toEqual(views[0]);
  return views[0]!;
}

async function createEvent(title: string): Promise<string> {
  const created = await alice().ok<{ id: string }>(
    "event",
    "create",
    GROUP,
    "--title",
    title,
    "--start",
    "2027-06-05T18:00",
    "--capacity",
    "1",
  );
  // Everyone has the event before anyone answers.
  for (const p of [bob(), carol()]) await row(p, created.id);
  return created.id;
}

beforeAll(async () => {
  root = tempRoot("rally-cli-places-");
  relay = await startRelay({ keepData: false });
  people = [new Person("Alice Host", root), new Person("Bob Early", root), new Person("Carol Later", root)];
  for (const p of people) await p.createAccount(relay.url);
  await alice().ok("group", "create", GROUP);
  await alice().ok("group", "invite", GROUP, bob().npub);
  await alice().ok("group", "invite", GROUP, carol().npub);
  for (const p of [bob(), carol()]) {
    const invites = await p.ok<{ id: string }[]>("invites");
    await p.ok("invites", "accept", invites[0]!.id);
  }
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("fair places through the CLI", { timeout: 600_000 }, () => {
  it("same second, one place: the host's device received Bob's answer first, so Bob has it", async () => {
    const id = await createEvent("Courtyard clean-up");
    // Both devices' clocks read the same second while they answer.
    const second = Math.floor(Date.now() / 1000) * 1000;
    await at(bob(), second, "event", "rsvp", GROUP, id, "going");
    // Until a host's device confirms it, Bob is asking for a place, not going.
    const asking = await row(bob(), id);
    expect(asking).toMatchObject({ myRsvp: "going", myPlace: "asking" });
    expect(asking.rsvps.asking).toEqual([bob().npub]);
    const human = await rally(["event", "list", GROUP, "--home", bob().home, "--offline"]);
    expect(human.stdout).toContain("asking for a place");
    // Alice's device reads Bob's answer (and confirms it) before Carol's exists.
    expect((await row(alice(), id)).rsvps.going).toEqual([bob().npub]);
    await at(carol(), second, "event", "rsvp", GROUP, id, "going");
    await row(alice(), id); // receives Carol's answer, puts her next in line
    const rsvps = await agreed(id);
    expect(rsvps).toEqual({
      going: [bob().npub],
      maybe: [],
      declined: [],
      waitlist: [carol().npub],
      asking: [],
    });
    expect(await row(bob(), id)).toMatchObject({ myPlace: "confirmed", placeChange: "gained" });
    expect(await row(carol(), id)).toMatchObject({ myPlace: "waitlist", placeChange: null });
    const bobSays = await rally(["event", "list", GROUP, "--home", bob().home, "--offline"]);
    expect(bobSays.stdout).toContain("you got a place");

    // Bob can't come after all: the place goes to Carol, next in line, and she is told.
    await bob().ok("event", "rsvp", GROUP, id, "declined");
    await row(alice(), id);
    expect(await agreed(id)).toEqual({
      going: [carol().npub],
      maybe: [],
      declined: [bob().npub],
      waitlist: [],
      asking: [],
    });
    expect(await row(carol(), id)).toMatchObject({ myPlace: "confirmed", placeChange: "gained" });
    const carolSays = await rally(["event", "list", GROUP, "--home", carol().home, "--offline"]);
    expect(carolSays.stdout).toContain("you got a place");
  });

  it("a person who loses a place is told: the host gives the event fewer places", async () => {
    const created = await alice().ok<{ id: string }>(
      "event",
      "create",
      GROUP,
      "--title",
      "Garden party",
      "--start",
      "2027-07-01T15:00",
      "--capacity",
      "2",
    );
    const id = created.id;
    await bob().ok("event", "rsvp", GROUP, id, "going");
    await row(alice(), id);
    await carol().ok("event", "rsvp", GROUP, id, "going");
    await row(alice(), id);
    expect(await row(carol(), id)).toMatchObject({ myPlace: "confirmed", placeChange: "gained" });
    await alice().ok("event", "edit", GROUP, id, "--capacity", "1");
    expect(await agreed(id)).toMatchObject({ going: [bob().npub], waitlist: [carol().npub], asking: [] });
    expect(await row(carol(), id)).toMatchObject({ myPlace: "waitlist", placeChange: "lost" });
    const carolSays = await rally(["event", "list", GROUP, "--home", carol().home, "--offline"]);
    expect(carolSays.stdout).toContain("you lost your place");
  });

  it("a backdated answer does not jump the queue", async () => {
    const id = await createEvent("Boiler repair meeting");
    await bob().ok("event", "rsvp", GROUP, id, "going");
    await row(alice(), id);
    // Carol's device says her answer was written a minute before Bob's.
    await at(carol(), Date.now() - 60_000, "event", "rsvp", GROUP, id, "going");
    await row(alice(), id);
    const rsvps = await agreed(id);
    expect(rsvps.going).toEqual([bob().npub]);
    expect(rsvps.waitlist).toEqual([carol().npub]);
  });
});

/**
 * A group's public face end to end, through the `rally` command and a real `rally serve` node, as a
 * stranger and a curious relay would see it:
 * - an admin gives the group a public face and publishes one of its events (needing approval);
 * - the pages, feeds and raw public events hold the event's public fields and nothing private: no
 *   chat, no unpublished event, no member's name or key, no place while approval is pending;
 * - a stranger answers from the page without Rally; the relay's files never hold their name; the
 *   admins read it, approve it, and only the approved person's private page shows the place;
 * - an answer sealed in Chromium with the page's script carries the proof of work mined there, and
 *   the admin's device lists it beside those the node sealed without JavaScript;
 * - a plain member cannot publish; unpublishing takes the page and the feed entry down.
 */
import fs from "node:fs";
import { PUBLIC_ANSWER_POW } from "@rally/protocol/wire";
import ICAL from "ical.js";
import { getPow } from "nostr-tools/nip13";
import { decode } from "nostr-tools/nip19";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS } from "../browser/chromium.ts";
import { findInFiles, Person, tempRoot } from "../cli/support.ts";
import { type ServeHandle, startServe } from "./helpers/serve.ts";

const GROUP = "Tenants of Elm Street";
const PUBLIC_NAME = "Elm Street Tenants Union";
const PUBLIC_ABOUT = "Renters organising for repairs and fair rents.";
const PUBLIC_TITLE = "Open meeting: heating repairs";
const PUBLIC_PLACE = "Community room, 12 Elm Street";
const PUBLIC_DESCRIPTION = "Bring your repair letters; we plan the next steps together.";
const PRIVATE_TITLE = "Strategy call before the landlord meeting";
const PRIVATE_PLACE = "Flat 4B kitchen";
const PRIVATE_CHAT = "The landlord's lawyer called me again on Tuesday";
const STRANGER = "Dana Quillfeather";
const STRANGER_CONTACT = "dana.q@example.org";
const REFUSED = "Evan Marrowbright";
const SCRIPTED = "Fern Scriptwright";

let node: ServeHandle;
let root: string;
let alice: Person;
let bob: Person;
let publicEventId = "";
let privateEventId = "";
let npub = "";
let groupUrl = "";
let naddr = "";
let eventUrl = "";

async function get(url: string): Promise<{ status: number; text: string; type: string }> {
  const response = await fetch(url, { redirect: "manual" });
  return {
    status: response.status,
    text: await response.text(),
    type: response.headers.get("content-type") ?? "",
  };
}

/** Posts the page's answer form as a browser without scripts would. */
async function answer(fields: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(`${node.url}/e/${naddr}/answer`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
  return { status: response.status, text: await response.text() };
}

const privateLink = (html: string): string => {
  const match = /\/reply\/([0-9a-f]{64})/.exec(html);
  if (!match) throw new Error(`no private reply link in:\n${html.slice(0, 2000)}`);
  return `${node.url}/reply/${match[1]}`;
};

beforeAll(async () => {
  root = tempRoot("rally-public-face-");
  node = await startServe();
  alice = new Person("Alice Aardvark", root);
  bob = new Person("Bob Bumblebee", root);
  for (const p of [alice, bob]) await p.createAccount(node.relay);
  await alice.ok("group", "create", GROUP);
  await alice.ok("group", "invite", GROUP, bob.npub);
  const invites = await bob.ok<{ id: string }[]>("invites");
  await bob.ok("invites", "accept", invites[0]!.id);
  await bob.ok("chat", "send", GROUP, PRIVATE_CHAT);
  publicEventId = (
    await alice.ok<{ id: string }>(
      "event",
      "create",
      GROUP,
      "--title",
      PUBLIC_TITLE,
      "--start",
      "2031-03-20T19:00",
      "--end",
      "2031-03-20T21:00",
      "--tz",
      "Europe/Berlin",
      "--location",
      PUBLIC_PLACE,
      "--description",
      PUBLIC_DESCRIPTION,
      "--approval",
    )
  ).id;
  privateEventId = (
    await bob.ok<{ id: string }>(
      "event",
      "create",
      GROUP,
      "--title",
      PRIVATE_TITLE,
      "--start",
      "2031-03-18T18:00",
      "--tz",
      "Europe/Berlin",
      "--location",
      PRIVATE_PLACE,
    )
  ).id;
  await bob.ok("event", "rsvp", GROUP, publicEventId, "going");
}, 600_000);

afterAll(async () => {
  await node?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe("a group's public face through rally serve", { timeout: 300_000 }, () => {
  it("lets only an admin give the group a public face", async () => {
    const refused = await bob.fails("group", "public", GROUP, "--name", "Bob's takeover");
    expect(refused.error).toMatch(/admin/i);
    const face = await alice.ok<{ npub: string; url: string }>(
      "group",
      "public",
      GROUP,
      "--name",
      PUBLIC_NAME,
      "--about",
      PUBLIC_ABOUT,
    );
    expect(face.npub).toMatch(/^npub1/);
    // The group's own key, not an organiser's.
    expect([alice.npub, bob.npub]).not.toContain(face.npub);
    expect(face.url).toBe(`${node.url}/g/${face.npub}`);
    npub = face.npub;
    groupUrl = face.url;
  });

  it("publishes an event that only an admin may publish", async () => {
    const refused = await bob.fails("event", "publish", GROUP, privateEventId);
    expect(refused.error).toMatch(/admin/i);
    const published = await alice.ok<{ naddr: string; url: string }>(
      "event",
      "publish",
      GROUP,
      publicEventId,
    );
    const pointer = decode(published.naddr);
    expect(pointer.type).toBe("naddr");
    if (pointer.type !== "naddr") return;
    expect(pointer.data.kind).toBe(31923);
    expect(pointer.data.pubkey).toBe(decode(npub).data);
    naddr = published.naddr;
    eventUrl = published.url;
    expect(eventUrl).toBe(`${node.url}/e/${naddr}`);
  });

  it("serves the event page, the group page and the directory without scripts", async () => {
    const page = await get(eventUrl);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    expect(page.text).toContain(PUBLIC_TITLE);
    expect(page.text).toContain(PUBLIC_NAME);
    expect(page.text).toMatch(/19:00/);
    // Approval is required: the place is for approved people only.
    expect(page.text).not.toContain(PUBLIC_PLACE);
    expect(page.text).not.toMatch(/<script[^>]*>[^<]+<\/script>/);
    const group = await get(groupUrl);
    expect(group.status).toBe(200);
    expect(group.text).toContain(PUBLIC_TITLE);
    expect(group.text).toContain(PUBLIC_ABOUT);
    expect(group.text).toContain(`webcal://`);
    const directory = await get(`${node.url}/events`);
    expect(directory.text).toContain(PUBLIC_TITLE);
  });

  it("serves feeds that a calendar parser reads, with reminders", async () => {
    const feed = await get(`${groupUrl}.ics`);
    expect(feed.status).toBe(200);
    expect(feed.type).toMatch(/text\/calendar/);
    const calendar = new ICAL.Component(ICAL.parse(feed.text));
    const events = calendar.getAllSubcomponents("vevent");
    expect(events.map((e) => e.getFirstPropertyValue("summary"))).toEqual([PUBLIC_TITLE]);
    expect(events[0]!.getAllSubcomponents("valarm").length).toBeGreaterThan(0);
    const one = await get(`${eventUrl}.ics`);
    expect(one.text).toContain("BEGIN:VEVENT");
  });

  it("keeps everything private out of every page, feed and public event", async () => {
    const texts = [
      (await get(eventUrl)).text,
      (await get(`${eventUrl}.ics`)).text,
      (await get(groupUrl)).text,
      (await get(`${groupUrl}.ics`)).text,
      (await get(`${node.url}/events`)).text,
      (await get(`${node.url}/events.ics`)).text,
    ].join("\n");
    const secrets = [
      PRIVATE_CHAT,
      PRIVATE_TITLE,
      PRIVATE_PLACE,
      PUBLIC_PLACE,
      alice.name,
      bob.name,
      alice.npub,
      bob.npub,
      alice.pubkey,
      bob.pubkey,
      GROUP,
    ];
    for (const secret of secrets) expect(texts).not.toContain(secret);
  });

  it("takes an answer from a stranger, keeps their name off the relay, and sends the place only when approved", async () => {
    const taken = await answer({
      name: STRANGER,
      contact: STRANGER_CONTACT,
      status: "going",
      guests: "1",
      note: "",
    });
    expect(taken.status).toBe(200);
    const danaPage = privateLink(taken.text);
    const other = await answer({ name: REFUSED, contact: "", status: "maybe", guests: "0", note: "" });
    const evanPage = privateLink(other.text);

    // The node stored only a gift wrap: the relay's files hold no attendee name or contact.
    expect(findInFiles(node.dataDir, [STRANGER, STRANGER_CONTACT, REFUSED])).toEqual([]);

    const answers = await alice.ok<
      { id: string; name: string; status: string; guests: number; approved: boolean; via: string }[]
    >("event", "answers", GROUP, publicEventId);
    const dana = answers.find((a) => a.name === STRANGER);
    const evan = answers.find((a) => a.name === REFUSED);
    expect(dana).toMatchObject({ status: "going", guests: 1, approved: false, via: "web" });
    expect(evan).toMatchObject({ status: "maybe", approved: false, via: "web" });
    expect(answers.find((a) => a.via === "rally")).toMatchObject({ name: bob.name, status: "going" });
    // Answers are for the hosts and admins.
    expect((await bob.fails("event", "answers", GROUP, publicEventId)).error).toMatch(/admin|host/i);

    expect((await get(danaPage)).text).not.toContain(PUBLIC_PLACE);
    await alice.ok("event", "approve", GROUP, publicEventId, dana!.id);
    await alice.ok("event", "refuse", GROUP, publicEventId, evan!.id);
    const approved = await alice.ok<{ id: string; approved: boolean }[]>(
      "event",
      "answers",
      GROUP,
      publicEventId,
    );
    expect(approved.find((a) => a.id === dana!.id)?.approved).toBe(true);
    expect((await get(danaPage)).text).toContain(PUBLIC_PLACE);
    const evanNow = (await get(evanPage)).text;
    expect(evanNow).not.toContain(PUBLIC_PLACE);
    // Still nothing of theirs in the relay's files after the replies.
    expect(findInFiles(node.dataDir, [STRANGER, STRANGER_CONTACT, REFUSED, PUBLIC_PLACE])).toEqual([]);
  });

  it("lists an answer sealed in a browser with JavaScript, its wrap mined for the proof of work there", async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await (await browser.newContext()).newPage();
      const posts: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST") posts.push(r.postData() ?? "");
      });
      await page.goto(eventUrl);
      await page.locator("form[data-seals-in-browser]").waitFor({ state: "attached" });
      await page.getByLabel("Your name").fill(SCRIPTED);
      await page.locator("input[name=status][value=going]").check();
      await Promise.all([
        page.waitForURL(/\/answer$/),
        page.getByRole("button", { name: "Send my answer" }).click(),
      ]);
      expect(await page.locator("h1").textContent()).toContain("your answer is with the hosts");
      const wrap = JSON.parse(new URLSearchParams(posts.at(-1)).get("wrap") ?? "null") as {
        id: string;
        tags: string[][];
      };
      expect(wrap.tags[1]).toEqual(["nonce", expect.stringMatching(/^\d+$/), String(PUBLIC_ANSWER_POW)]);
      expect(getPow(wrap.id)).toBeGreaterThanOrEqual(PUBLIC_ANSWER_POW);
    } finally {
      await browser.close();
    }
    // The admin's device opens only wraps with the work: both ways of answering are listed.
    const answers = await alice.ok<{ name: string; via: string }[]>("event", "answers", GROUP, publicEventId);
    expect(answers.filter((a) => a.via === "web").map((a) => a.name)).toEqual(
      expect.arrayContaining([STRANGER, REFUSED, SCRIPTED]),
    );
  });

  it("takes the page and the feed entry down on unpublish", async () => {
    await alice.ok("event", "unpublish", GROUP, publicEventId);
    expect((await get(eventUrl)).status).toBe(404);
    expect((await get(`${groupUrl}.ics`)).text).not.toContain(PUBLIC_TITLE);
    expect((await get(`${node.url}/events`)).text).not.toContain(PUBLIC_TITLE);
  });

  it("turns the public face off", async () => {
    await alice.ok("group", "public", GROUP, "--off");
    const group = await get(groupUrl);
    expect(group.text).not.toContain(PUBLIC_ABOUT);
  });
});

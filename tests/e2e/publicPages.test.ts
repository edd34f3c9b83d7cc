/**
 * The public pages of a real `rally serve` node, fetched with plain `fetch`, over public events a
 * plain nostr-tools client put in its relay signed by group public keys made here:
 * - event pages (times in the event's zone and a chosen one, place unless hosts approve answers,
 *   organiser by public name, CANCELLED), group pages, the directory and its filters;
 * - .ics feeds that ical.js reads, with reminders; a NIP-09 deletion takes page and entry down;
 * - answers from the form: only a gift wrap reaches the relay's files, the group's key opens it, a
 *   reply to the answer's throwaway key shows the place on the private page only when approved;
 *   a flood from one address is slowed down (429) while pages still load.
 */
import fs from "node:fs";
import path from "node:path";
import {
  openPublicAnswer,
  PUBLIC_ANSWER_POW,
  type PublicAnswer,
  type PublicReply,
  wrapPublicReply,
} from "@rally/protocol/wire";
import ICAL from "ical.js";
import { getPow } from "nostr-tools/nip13";
import { naddrEncode } from "nostr-tools/nip19";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { Relay } from "nostr-tools/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findInFiles } from "../cli/support.ts";
import {
  ASSEMBLY,
  CONCERT,
  deleteEvent,
  MILL,
  PAST,
  PICNIC,
  publish,
  REPAIR,
  type Seeded,
  seedPublicEvents,
} from "./helpers/publicEvents.ts";
import { type ServeHandle, startServe } from "./helpers/serve.ts";

let node: ServeHandle;
let seeded: Seeded;

async function get(url: string): Promise<{ status: number; text: string; type: string; headers: Headers }> {
  const response = await fetch(url, { redirect: "manual" });
  return {
    status: response.status,
    text: await response.text(),
    type: response.headers.get("content-type") ?? "",
    headers: response.headers,
  };
}

async function answer(naddr: string, fields: Record<string, string>) {
  const response = await fetch(`${node.url}/e/${naddr}/answer`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const replyLink = (html: string): { url: string; secret: string } => {
  const match = /\/reply\/([0-9a-f]{64})[^"<]*/.exec(html);
  if (!match) throw new Error(`no private link in:\n${html.slice(0, 3000)}`);
  return { url: `${node.url}${match[0].replaceAll("&amp;", "&")}`, secret: match[1]! };
};

const pageUrl = (naddr: string) => `${node.url}/e/${naddr}`;
const vevents = (ics: string) => new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents("vevent");

/** Gift wraps to `pubkey` from the node's relay, read as the key's owner (NIP-42). */
async function wrapsTo(secret: Uint8Array, pubkey: string): Promise<ReturnType<typeof finalizeEvent>[]> {
  const relay = await Relay.connect(node.relay);
  try {
    await new Promise((r) => setTimeout(r, 100));
    await relay.auth(async (t) => finalizeEvent(t, secret));
    return await new Promise((resolve, reject) => {
      const got: ReturnType<typeof finalizeEvent>[] = [];
      relay.subscribe([{ kinds: [1059], "#p": [pubkey] }], {
        onevent: (e) => got.push(e as ReturnType<typeof finalizeEvent>),
        oneose: () => resolve(got),
        onclose: (why) => reject(new Error(why)),
      });
    });
  } finally {
    relay.close();
  }
}

beforeAll(async () => {
  node = await startServe();
  seeded = await seedPublicEvents(node.relay);
}, 300_000);

afterAll(async () => {
  await node?.stop();
});

describe("public pages of rally serve", { timeout: 120_000 }, () => {
  it("shows an event: title, times in its zone and in a chosen one, place, organiser, calendar links", async () => {
    const page = await get(pageUrl(seeded.repair.naddr));
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    expect(page.text).toContain("<h1>Repair café</h1>");
    expect(page.text).toContain("Thursday, 20 March 2031, 19:00 – 21:00 (Europe/Berlin)");
    expect(page.text).toContain(REPAIR.place);
    expect(page.text).toContain("<p>Bring a broken lamp.</p><p>We have tools &amp; tea.</p>");
    expect(page.text).toContain(`<a href="/g/${seeded.mill.npub}">${MILL.name}</a>`);
    expect(page.text).toContain(`href="/e/${seeded.repair.naddr}.ics"`);
    expect(page.text).toContain(`href="webcal://127.0.0.1:${node.port}/g/${seeded.mill.npub}.ics"`);
    expect(page.text).toContain('<meta property="og:title" content="Repair café">');
    expect(page.text).toContain(`<meta property="og:url" content="${pageUrl(seeded.repair.naddr)}">`);
    expect(page.text).toContain('<meta property="og:description" content="Fix it, don&#39;t bin it">');
    // No inline script or style: the one script is the node's own file (answering works without it).
    expect(page.text.match(/<script[^>]*>/gi)).toEqual(['<script src="/answer.js" defer>']);
    expect(page.text).not.toMatch(/<script>|style=/i);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);

    const elsewhere = await get(`${pageUrl(seeded.repair.naddr)}?tz=America%2FNew_York`);
    expect(elsewhere.text).toContain("Thursday, 20 March 2031, 14:00 – 16:00 (America/New_York)");
    expect(elsewhere.text).toContain("19:00 – 21:00 (Europe/Berlin)");
    expect(elsewhere.text).toContain('<option value="America/New_York" selected>');
    const unknownZone = await get(`${pageUrl(seeded.repair.naddr)}?tz=Mars%2FOlympus`);
    expect(unknownZone.status).toBe(200);
    expect(unknownZone.text).not.toContain("Mars/Olympus");
  });

  it("hides the place when hosts approve answers, marks a cancelled event, keeps an ended event's page", async () => {
    const assembly = await get(pageUrl(seeded.assembly.naddr));
    expect(assembly.text).toContain("<h1>Tenants&#39; assembly</h1>");
    expect(assembly.text).not.toContain(ASSEMBLY.place);
    expect(assembly.text).toContain("Shared with people the hosts approve");
    const picnic = await get(pageUrl(seeded.picnic.naddr));
    expect(picnic.text).toContain('<p class="cancelled">CANCELLED</p>');
    expect(picnic.text).toContain("Saturday, 14 June 2031 (all day)");
    expect(picnic.text).not.toContain('action="/e/');
    const past = await get(pageUrl(seeded.past.naddr));
    expect(past.status).toBe(200);
    expect(past.text).toContain(PAST.title);
    expect(past.text).toContain("This event is over.");
  });

  it("answers 404 for an unknown event or group, and leaves other paths to the web app", async () => {
    const unknown = naddrEncode({ kind: 31923, pubkey: seeded.mill.pubkey, identifier: "nothing-here" });
    expect((await get(pageUrl(unknown))).status).toBe(404);
    expect((await get(pageUrl(`${seeded.repair.naddr.slice(0, -8)}qqqqqqqq`))).status).toBe(404);
    expect((await get(`${node.url}/g/npub1notakey`)).status).toBe(404);
    expect((await get(`${node.url}/reply/abc`)).status).toBe(404);
    const app = await get(`${node.url}/`);
    expect(app.status).toBe(200);
    const head = await fetch(pageUrl(seeded.repair.naddr), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const wrongMethod = await fetch(`${pageUrl(seeded.repair.naddr)}/answer`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });

  it("serves a group page with its profile, upcoming events only and a webcal link", async () => {
    const page = await get(`${node.url}/g/${seeded.mill.npub}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<h1>${MILL.name}</h1>`);
    expect(page.text).toContain(MILL.about);
    expect(page.text).toContain('href="https://mill.example.org/"');
    expect(page.text).toContain(`webcal://127.0.0.1:${node.port}/g/${seeded.mill.npub}.ics`);
    for (const title of [REPAIR.title, "Tenants&#39; assembly", PICNIC.title])
      expect(page.text).toContain(title);
    expect(page.text).not.toContain(PAST.title);
    expect(page.text).not.toContain(CONCERT.title);
    // Events are listed in the order they happen.
    expect(page.text.indexOf(REPAIR.title)).toBeLessThan(page.text.indexOf(PICNIC.title));
  });

  it("serves feeds that ical.js reads, with reminders, without hidden places", async () => {
    const one = await get(`${pageUrl(seeded.repair.naddr)}.ics`);
    expect(one.type).toMatch(/text\/calendar/);
    const [repair] = vevents(one.text);
    expect(repair!.getFirstPropertyValue("summary")).toBe(REPAIR.title);
    expect(repair!.getFirstPropertyValue("location")).toBe(REPAIR.place);
    const start = new ICAL.Event(repair!).startDate;
    expect(start.toUnixTime()).toBe(Number(seeded.repair.event.tags.find((t) => t[0] === "start")![1]));
    expect(repair!.getFirstProperty("dtstart")!.getParameter("tzid")).toBe("Europe/Berlin");
    const alarm = repair!.getFirstSubcomponent("valarm")!;
    expect(alarm.getFirstPropertyValue("action")).toBe("DISPLAY");
    expect((alarm.getFirstPropertyValue("trigger") as ICAL.Duration).toSeconds()).toBe(-3600);
    expect(repair!.getFirstPropertyValue("organizer")).toContain(seeded.mill.npub);
    expect(repair!.getFirstProperty("organizer")!.getParameter("cn")).toBe(MILL.name);

    const group = await get(`${node.url}/g/${seeded.mill.npub}.ics`);
    const events = vevents(group.text);
    expect(events.map((e) => e.getFirstPropertyValue("summary")).sort()).toEqual(
      [REPAIR.title, ASSEMBLY.title, PICNIC.title].sort(),
    );
    expect(events.every((e) => e.getAllSubcomponents("valarm").length === 1)).toBe(true);
    expect(group.text).not.toContain(ASSEMBLY.place);
    const picnic = events.find((e) => e.getFirstPropertyValue("summary") === PICNIC.title)!;
    expect(picnic.getFirstPropertyValue("status")).toBe("CANCELLED");
    expect(
      (picnic.getFirstSubcomponent("valarm")!.getFirstPropertyValue("trigger") as ICAL.Duration).toSeconds(),
    ).toBe(-15 * 3600);
  });

  it("lists upcoming events in the directory, filtered by tag, place and dates", async () => {
    const all = await get(`${node.url}/events`);
    for (const title of [REPAIR.title, PICNIC.title, CONCERT.title]) expect(all.text).toContain(title);
    expect(all.text).not.toContain(PAST.title);
    expect(all.text).toContain("Harbour Friends");

    const titles = async (query: string) => {
      const text = (await get(`${node.url}/events?${query}`)).text;
      return [REPAIR.title, "Tenants&#39; assembly", PICNIC.title, CONCERT.title].filter((t) =>
        text.includes(t),
      );
    };
    expect(await titles("tag=Repair")).toEqual([REPAIR.title]);
    expect(await titles("tag=%23music")).toEqual([CONCERT.title]);
    expect(await titles("place=harbour")).toEqual([CONCERT.title]);
    // An event whose place is hidden never matches a place.
    expect(await titles("place=anchor")).toEqual([]);
    expect(await titles("from=2031-04-01&to=2031-06-30")).toEqual(["Tenants&#39; assembly", PICNIC.title]);
    expect(await titles("from=2031-06-15")).toEqual([CONCERT.title]);
    const bad = await get(`${node.url}/events?from=next+week`);
    expect(bad.status).toBe(200);
    expect(bad.text).toContain("&quot;next week&quot; is not a date: write it as YYYY-MM-DD.");

    const feed = vevents((await get(`${node.url}/events.ics?tag=music`)).text);
    expect(feed.map((e) => e.getFirstPropertyValue("summary"))).toEqual([CONCERT.title]);
    expect((await get(`${node.url}/events`)).text).toContain('href="webcal://');
  });

  it("takes a page and its feed entries down when the group deletes the event (NIP-09)", async () => {
    expect((await get(pageUrl(seeded.concert.naddr))).status).toBe(200);
    await deleteEvent(node.relay, seeded.harbour, seeded.concert);
    expect((await get(pageUrl(seeded.concert.naddr))).status).toBe(404);
    expect((await get(`${pageUrl(seeded.concert.naddr)}.ics`)).status).toBe(404);
    expect((await get(`${node.url}/events`)).text).not.toContain(CONCERT.title);
    expect((await get(`${node.url}/events.ics`)).text).not.toContain(CONCERT.title);
    expect((await get(`${node.url}/g/${seeded.harbour.npub}.ics`)).text).not.toContain(CONCERT.title);
  });

  describe("answers from people without Rally", () => {
    const NAME = "Zelda Quarrington";
    const CONTACT = "zelda.q@example.org";
    const NOTE = "I can bring a soldering iron";
    const OTHER = "Ulrich Brambleby";
    let zelda: { url: string; secret: string };
    let ulrich: { url: string; secret: string };
    let opened: PublicAnswer[] = [];

    it("takes an answer, stores only a gift wrap, and the group's key opens it", async () => {
      // Someone already subscribed as the group gets the answer live.
      const live = await Relay.connect(node.relay);
      await new Promise((r) => setTimeout(r, 100));
      await live.auth(async (t) => finalizeEvent(t, seeded.mill.secret));
      const arrived = new Promise<string>((resolve) => {
        live.subscribe([{ kinds: [1059], "#p": [seeded.mill.pubkey], since: 0 }], {
          onevent: (e) => resolve(e.id),
        });
      });

      const taken = await answer(seeded.assembly.naddr, {
        name: NAME,
        contact: CONTACT,
        status: "going",
        guests: "2",
        note: NOTE,
      });
      expect(taken.status).toBe(200);
      expect(taken.headers.get("cache-control")).toBe("no-store");
      expect(taken.text).toContain("your answer is with the hosts");
      zelda = replyLink(taken.text);
      const liveId = await arrived;
      live.close();

      const second = await answer(seeded.assembly.naddr, { name: OTHER, status: "maybe", guests: "0" });
      expect(second.status).toBe(200);
      ulrich = replyLink(second.text);

      expect(findInFiles(node.dataDir, [NAME, CONTACT, NOTE, OTHER])).toEqual([]);
      expect(node.output()).not.toContain(NAME);

      const wraps = await wrapsTo(seeded.mill.secret, seeded.mill.pubkey);
      expect(wraps.map((w) => w.id)).toContain(liveId);
      // Sealed by the node for a person without JavaScript, with the proof of work every answer needs.
      for (const w of wraps) expect(getPow(w.id)).toBeGreaterThanOrEqual(PUBLIC_ANSWER_POW);
      opened = wraps.map((w) => openPublicAnswer(w as never, seeded.mill.secret));
      const z = opened.find((a) => a.name === NAME)!;
      expect(z).toMatchObject({
        event: seeded.assembly.address,
        contact: CONTACT,
        status: "going",
        guests: 2,
        note: NOTE,
      });
      expect(opened.find((a) => a.name === OTHER)).toMatchObject({ status: "maybe", contact: null });
    });

    it("shows the person's private page: waiting, then the place only when approved", async () => {
      const waiting = await get(zelda.url);
      expect(waiting.text).toContain("Waiting for the hosts");
      expect(waiting.text).toContain(ASSEMBLY.title.replace("'", "&#39;"));
      expect(waiting.text).not.toContain(ASSEMBLY.place);
      expect(waiting.headers.get("cache-control")).toBe("no-store");
      expect(waiting.headers.get("referrer-policy")).toBe("no-referrer");

      const z = opened.find((a) => a.name === NAME)!;
      const u = opened.find((a) => a.name === OTHER)!;
      const approve: PublicReply = {
        answer: z.id,
        event: z.event,
        status: "approved",
        place: ASSEMBLY.place,
        message: "Ring twice.",
      };
      await publish(node.relay, wrapPublicReply(approve, seeded.mill.secret, z.replyTo) as never);
      const refuse: PublicReply = {
        answer: u.id,
        event: u.event,
        status: "refused",
        place: null,
        message: "Full.",
      };
      await publish(node.relay, wrapPublicReply(refuse, seeded.mill.secret, u.replyTo) as never);

      const approved = await get(zelda.url);
      expect(approved.text).toContain("Approved");
      expect(approved.text).toContain(
        `The place is <strong>${ASSEMBLY.place.replace("'", "&#39;")}</strong>`,
      );
      expect(approved.text).toContain("Ring twice.");
      const refused = await get(ulrich.url);
      expect(refused.text).toContain("Not approved");
      expect(refused.text).not.toContain(ASSEMBLY.place);
      // A later "approval" sealed by another key, about an event of its own, is not a reply to
      // this answer: the private page keeps the group's answer.
      const stranger = generateSecretKey();
      const forged: PublicReply = {
        answer: u.id,
        event: `31923:${getPublicKey(stranger)}:lure`,
        status: "approved",
        place: "Behind the old depot",
        message: "Come alone.",
      };
      await publish(
        node.relay,
        wrapPublicReply(forged, stranger, u.replyTo, Math.floor(Date.now() / 1000) + 60) as never,
      );
      const still = await get(ulrich.url);
      expect(still.text).toContain("Not approved");
      expect(still.text).not.toContain("Behind the old depot");
      // The public page still hides it.
      expect((await get(pageUrl(seeded.assembly.naddr))).text).not.toContain(ASSEMBLY.place);
      // (The place itself is in the relay only because this test's public event carries it.)
      expect(findInFiles(node.dataDir, [NAME, CONTACT, OTHER, "Ring twice."])).toEqual([]);
    });

    it("refuses bad answers with a 400 page that says what is wrong and keeps what was typed", async () => {
      const noName = await answer(seeded.repair.naddr, {
        name: "  ",
        contact: "keep@example.org",
        status: "going",
      });
      expect(noName.status).toBe(400);
      expect(noName.text).toContain("The name is missing.");
      expect(noName.text).toContain('value="keep@example.org"');
      const guests = await answer(seeded.repair.naddr, {
        name: "Al",
        status: "maybe",
        guests: "3",
        note: "x<y",
      });
      expect(guests.status).toBe(400);
      expect(guests.text).toContain("Guests can come only with someone who is going.");
      expect(guests.text).toContain(">x&lt;y</textarea>");
      expect(guests.text).toContain('<input type="radio" name="status" value="maybe" checked>');
    });

    it("slows down a flood of answers from one address while pages still load", async () => {
      let limited: Awaited<ReturnType<typeof answer>> | undefined;
      for (let i = 0; i < 10 && !limited; i++) {
        const r = await answer(seeded.repair.naddr, { name: `Flood ${i}`, status: "declined" });
        if (r.status === 429) limited = r;
        else expect(r.status).toBe(200);
      }
      expect(limited).toBeDefined();
      expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(limited!.text).toContain("Too many answers");
      expect((await get(pageUrl(seeded.repair.naddr))).status).toBe(200);
      expect(fs.existsSync(path.join(node.dataDir))).toBe(true);
      expect(findInFiles(node.dataDir, ["127.0.0.1"])).toEqual([]);
    });
  });
});

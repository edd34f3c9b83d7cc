/**
 * The public pages' script (`/answer.js`) on a real `rally serve` node, in Debian's Chromium under
 * the pages' own Content-Security-Policy:
 * - answering with JavaScript on seals the answer in the browser: the one POST holds only a gift
 *   wrap (no name, no contact, no note), the group's key opens it, the throwaway key stays in the
 *   browser and in the private link's fragment;
 * - the private reply page opens the hosts' reply in the browser, asking the node by public key
 *   only, in a request signed with the key (only its holder gets the wraps): the place shows when
 *   approved, never when refused, forged or about another event;
 * - without JavaScript that page says why it needs it and offers the node's way;
 * - the wrap made in the browser carries the proof of work every answer needs (NIP-13), mined while
 *   the page says "Sealing your answer…";
 * - the node refuses a posted wrap addressed to another key, badly signed, with other tags, with
 *   too little work, of another kind or too big, with a 400 that says what is wrong, and stores
 *   none of them; wraps
 *   are counted per address like answers from the plain form;
 * - axe-core finds no serious or critical violation on the pages as the script leaves them.
 */
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import {
  openPublicAnswer,
  PUBLIC_ANSWER_POW,
  type PublicAnswer,
  wrapPublicAnswer,
  wrapPublicReply,
} from "@rally/protocol/wire";
import { getPow } from "nostr-tools/nip13";
import { finalizeEvent, generateSecretKey, getPublicKey, type NostrEvent } from "nostr-tools/pure";
import { Relay } from "nostr-tools/relay";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS } from "../browser/chromium.ts";
import { findInFiles } from "../cli/support.ts";
import { ASSEMBLY, publish, REPAIR, type Seeded, seedPublicEvents } from "./helpers/publicEvents.ts";
import { type ServeHandle, startServe } from "./helpers/serve.ts";

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const NAME = "Brigitta Keymaker";
const CONTACT = "brigitta.k@example.org";
const NOTE = "I will bring spare fuses";
const OTHER = "Oswin Refusedson";
const HIDDEN_PLACE = "Workshop door in the back yard";

let node: ServeHandle;
let seeded: Seeded;
let browser: Browser;

beforeAll(async () => {
  node = await startServe();
  seeded = await seedPublicEvents(node.relay);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

/** Gift wraps to `pubkey` from the node's relay, read as the key's owner (NIP-42). */
async function wrapsTo(secret: Uint8Array, pubkey: string): Promise<NostrEvent[]> {
  const relay = await Relay.connect(node.relay);
  try {
    await new Promise((r) => setTimeout(r, 100));
    await relay.auth(async (t) => finalizeEvent(t, secret));
    return await new Promise((resolve, reject) => {
      const got: NostrEvent[] = [];
      relay.subscribe([{ kinds: [1059], "#p": [pubkey] }], {
        onevent: (e) => got.push(e as NostrEvent),
        oneose: () => resolve(got),
        onclose: (why) => reject(new Error(why)),
      });
    });
  } finally {
    relay.close();
  }
}

/**
 * POSTs a form body from a loopback address of its own (127.0.0.x), so checks of many bad wraps do
 * not use up the answers the node allows the browser's address.
 */
function postFrom(
  localAddress: string,
  path: string,
  body: string,
): Promise<{ status: number; text: string }> {
  const url = new URL(path, node.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        localAddress,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Watched {
  page: Page;
  posts: { url: string; body: string }[];
  requests: string[];
  errors: string[];
  /** What the answer form showed while sealing (answerInBrowser), or null if nothing showed. */
  sealing?: unknown;
}

async function watchedPage(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  const watched: Watched = { page, posts: [], requests: [], errors: [] };
  page.on("request", (r) => {
    watched.requests.push(r.url());
    if (r.method() === "POST") watched.posts.push({ url: r.url(), body: r.postData() ?? "" });
  });
  page.on("console", (m) => {
    // A failed load is reported below with its address (a browser asks for /favicon.ico on its own).
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
      watched.errors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico"))
      watched.errors.push(`${r.status()} ${r.url()}`);
  });
  page.on("pageerror", (e) => watched.errors.push(String(e)));
  return watched;
}

/** Answers on the event page with the script, as a person would, and returns the wrap it posted. */
async function answerInBrowser(
  w: Watched,
  naddr: string,
  fields: {
    name: string;
    contact?: string;
    status: "going" | "maybe" | "declined";
    guests?: string;
    note?: string;
  },
): Promise<NostrEvent> {
  const { page } = w;
  await page.goto(`${node.url}/e/${naddr}`);
  await page.locator("form[data-seals-in-browser]").waitFor({ state: "attached" });
  await page.getByLabel("Your name").fill(fields.name);
  if (fields.contact) await page.getByLabel(/How the hosts can reach you/).fill(fields.contact);
  await page.locator(`input[name=status][value=${fields.status}]`).check();
  if (fields.guests) await page.getByLabel(/Guests coming/).fill(fields.guests);
  if (fields.note) await page.getByLabel(/A note to the hosts/).fill(fields.note);
  // What the page shows while it mines the proof of work, kept past the navigation that follows.
  await page.evaluate(() => {
    const note = document.querySelector<HTMLElement>("form[data-answer] [role=status]");
    const button = document.querySelector<HTMLButtonElement>("form[data-answer] button[type=submit]");
    if (!note || !button) return;
    new MutationObserver(() => {
      if (!note.hidden)
        sessionStorage.setItem(
          "sealing",
          JSON.stringify({ text: note.textContent, disabled: button.disabled }),
        );
    }).observe(note, { attributes: true });
  });
  const before = w.posts.length;
  await Promise.all([
    page.waitForURL(/\/answer$/),
    page.getByRole("button", { name: "Send my answer" }).click(),
  ]);
  expect(w.posts.length).toBe(before + 1);
  const body = w.posts.at(-1)!.body;
  const form = new URLSearchParams(body);
  // Only the sealed answer leaves the browser: no field a person typed, in any encoding.
  expect([...form.keys()]).toEqual(["wrap"]);
  for (const typed of [fields.name, fields.contact, fields.note].filter(Boolean) as string[]) {
    expect(body).not.toContain(typed);
    expect(body).not.toContain(encodeURIComponent(typed));
    expect(form.get("wrap")).not.toContain(typed);
  }
  w.sealing = JSON.parse((await page.evaluate(() => sessionStorage.getItem("sealing"))) ?? "null");
  return JSON.parse(form.get("wrap")!) as NostrEvent;
}

async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the debugging protocol, so the page's own CSP stays as it is.
  await page.evaluate(AXE);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (d: Document) => Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run(document)).violations;
  })) as { id: string; impact: string | null; nodes: { target: string[] }[] }[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("the public pages' script", { timeout: 180_000 }, () => {
  let brigitta: PublicAnswer;
  let brigittaLink: string;
  let brigittaKey: string;
  let keptContext: BrowserContext;

  it("is one same-origin file, allowed by the answering pages' CSP only, and no page has inline script", async () => {
    const script = await fetch(`${node.url}/answer.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await script.text()).length).toBeGreaterThan(1000);
    const again = await fetch(`${node.url}/answer.js`, {
      headers: { "if-none-match": script.headers.get("etag")! },
    });
    expect(again.status).toBe(304);

    const event = await fetch(`${node.url}/e/${seeded.repair.naddr}`);
    const csp = event.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await event.text();
    expect(html).toContain('<script src="/answer.js" defer></script>');
    for (const path of ["/events", `/g/${seeded.mill.npub}`, `/e/${seeded.picnic.naddr}`]) {
      const r = await fetch(`${node.url}${path}`);
      expect(r.headers.get("content-security-policy"), path).not.toContain("script-src");
      expect(await r.text(), path).not.toContain("<script");
    }
    const shell = await fetch(`${node.url}/reply?e=${seeded.repair.naddr}`);
    expect(shell.headers.get("content-security-policy")).toContain("script-src 'self'");
    const shellHtml = await shell.text();
    expect(shellHtml.match(/<script[^>]*>/g)).toEqual(['<script src="/answer.js" defer>']);
    expect(shellHtml).toContain("This page needs JavaScript");
  });

  it("seals the answer in the browser: the POST holds only a wrap, and the group's key opens it", async () => {
    keptContext = await browser.newContext();
    const w = await watchedPage(keptContext);
    const wrap = await answerInBrowser(w, seeded.repair.naddr, {
      name: NAME,
      contact: CONTACT,
      status: "going",
      guests: "1",
      note: NOTE,
    });
    // "Sealing your answer…" showed while the work was mined, with the button off.
    expect(w.sealing).toEqual({ text: "Sealing your answer…", disabled: true });
    expect(wrap.kind).toBe(1059);
    expect(wrap.tags).toEqual([
      ["p", seeded.mill.pubkey],
      ["nonce", expect.stringMatching(/^\d+$/), String(PUBLIC_ANSWER_POW)],
    ]);
    // The proof of work, counted by nostr-tools: the admins' devices open only wraps that have it.
    expect(getPow(wrap.id)).toBeGreaterThanOrEqual(PUBLIC_ANSWER_POW);
    brigitta = openPublicAnswer(wrap as never, seeded.mill.secret);
    expect(brigitta).toMatchObject({
      event: seeded.repair.address,
      name: NAME,
      contact: CONTACT,
      status: "going",
      guests: 1,
      note: NOTE,
    });

    // The node handed that very wrap to its relay.
    const stored = await wrapsTo(seeded.mill.secret, seeded.mill.pubkey);
    expect(stored.map((e) => e.id)).toContain(wrap.id);

    // The throwaway key was made and kept in the browser, and the private link holds it after "#".
    const page = w.page;
    expect(await page.locator("h1").textContent()).toContain("your answer is with the hosts");
    brigittaKey = (await page.evaluate(
      (address) => localStorage.getItem(`rally.answerKey.${address}`),
      seeded.repair.address,
    ))!;
    expect(brigittaKey).toMatch(/^[0-9a-f]{64}$/);
    expect(getPublicKey(Uint8Array.from(Buffer.from(brigittaKey, "hex")))).toBe(brigitta.replyTo);
    brigittaLink = (await page.locator(".private-link a").getAttribute("href"))!;
    expect(brigittaLink).toBe(`${node.url}/reply?e=${seeded.repair.naddr}#${brigittaKey}`);
    expect(await page.locator(".private-link a").textContent()).toBe(brigittaLink);
    // The key never went to the node: in no request the browser made.
    expect(w.requests.filter((u) => u.includes(brigittaKey))).toEqual([]);

    expect(findInFiles(node.dataDir, [NAME, CONTACT, NOTE])).toEqual([]);
    expect(node.output()).not.toContain(NAME);
    expect(w.errors).toEqual([]);
  });

  it("shows a problem with what was typed on the page, sending nothing", async () => {
    const context = await browser.newContext();
    const w = await watchedPage(context);
    await w.page.goto(`${node.url}/e/${seeded.repair.naddr}`);
    await w.page.locator("form[data-seals-in-browser]").waitFor({ state: "attached" });
    await w.page.getByLabel("Your name").fill("Mo");
    await w.page.locator("input[name=status][value=maybe]").check();
    await w.page.getByLabel(/Guests coming/).fill("3");
    await w.page.getByRole("button", { name: "Send my answer" }).click();
    await expect
      .poll(() => w.page.locator("[role=alert]").textContent())
      .toContain("Guests can come only with someone who is going.");
    expect(w.posts).toEqual([]);
    expect(w.page.url()).toBe(`${node.url}/e/${seeded.repair.naddr}`);
    await context.close();
  });

  it("opens the hosts' reply in the browser: the place when approved, never when refused or forged", async () => {
    // A fresh browser: the key comes from the link's fragment alone.
    const elsewhere = await browser.newContext();
    const w = await watchedPage(elsewhere);
    const opened = async (url: string) => {
      // The same link again is a new load, not a jump within the page.
      if (w.page.url() === url) await w.page.reload();
      else await w.page.goto(url);
      await w.page.locator("#reply-state[data-opened]").waitFor({ state: "attached" });
      return {
        heading: (await w.page.locator("h1").textContent()) ?? "",
        // biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point here
        text: await w.page.locator("main").innerText(),
      };
    };
    const waiting = await opened(brigittaLink);
    expect(waiting.heading).toBe("Waiting for the hosts");
    expect(waiting.text).toContain(REPAIR.title);
    // The node was asked by the PUBLIC key alone, and never for the event.
    const asked = w.requests.filter((u) => u.includes("/reply-wraps/"));
    expect(asked).toEqual([`${node.url}/reply-wraps/${brigitta.replyTo}`]);
    expect(w.requests.filter((u) => u.includes(brigittaKey))).toEqual([]);

    await publish(
      node.relay,
      wrapPublicReply(
        {
          answer: brigitta.id,
          event: brigitta.event,
          status: "approved",
          place: HIDDEN_PLACE,
          message: "Ring twice.\n\nSee you!",
        },
        seeded.mill.secret,
        brigitta.replyTo,
      ) as never,
    );
    const approved = await opened(brigittaLink);
    expect(approved.heading).toBe("Approved — see you there");
    expect(await w.page.locator(".notice strong").textContent()).toBe(HIDDEN_PLACE);
    expect(approved.text).toContain("From the hosts");
    expect(await w.page.locator("#reply-state p").allTextContents()).toEqual([
      `The place is ${HIDDEN_PLACE}.`,
      "Ring twice.",
      "See you!",
    ]);
    expect(await seriousViolations(w.page)).toEqual([]);

    // The browser that answered finds it again without the fragment: it kept the key.
    const kept = await watchedPage(keptContext);
    await kept.page.goto(`${node.url}/reply?e=${seeded.repair.naddr}`);
    await kept.page.locator("#reply-state[data-opened]").waitFor({ state: "attached" });
    expect(await kept.page.locator(".notice strong").textContent()).toBe(HIDDEN_PLACE);
    await keptContext.close();

    // Someone else answers the assembly (hosts approve answers) and is refused; a forged approval
    // sealed by another key, and an approval about another event, do not count for that answer.
    const oswinContext = await browser.newContext();
    const o = await watchedPage(oswinContext);
    const oswinWrap = await answerInBrowser(o, seeded.assembly.naddr, { name: OTHER, status: "maybe" });
    const oswin = openPublicAnswer(oswinWrap as never, seeded.mill.secret);
    expect(oswin).toMatchObject({
      name: OTHER,
      status: "maybe",
      contact: null,
      event: seeded.assembly.address,
    });
    const oswinLink = (await o.page.locator(".private-link a").getAttribute("href"))!;
    expect(oswinLink).toMatch(new RegExp(`/reply\\?e=${seeded.assembly.naddr}#[0-9a-f]{64}$`));
    await publish(
      node.relay,
      wrapPublicReply(
        { answer: oswin.id, event: oswin.event, status: "refused", place: null, message: "We are full." },
        seeded.mill.secret,
        oswin.replyTo,
      ) as never,
    );
    const later = Math.floor(Date.now() / 1000) + 60;
    const stranger = generateSecretKey();
    await publish(
      node.relay,
      wrapPublicReply(
        {
          answer: oswin.id,
          event: `31923:${getPublicKey(stranger)}:lure`,
          status: "approved",
          place: "Behind the old depot",
          message: "Come alone.",
        },
        stranger,
        oswin.replyTo,
        later,
      ) as never,
    );
    await publish(
      node.relay,
      wrapPublicReply(
        {
          answer: oswin.id,
          event: seeded.repair.address,
          status: "approved",
          place: HIDDEN_PLACE,
          message: "",
        },
        seeded.mill.secret,
        oswin.replyTo,
        later,
      ) as never,
    );
    const refused = await opened(oswinLink);
    expect(refused.heading).toBe("Not approved");
    expect(refused.text).toContain("The hosts could not take your answer this time.");
    expect(refused.text).toContain("We are full.");
    expect(refused.text).not.toContain("Behind the old depot");
    expect(refused.text).not.toContain(HIDDEN_PLACE);
    expect(refused.text).not.toContain(ASSEMBLY.place);
    expect(await seriousViolations(w.page)).toEqual([]);

    // The node's JSON: gift wraps to that public key only, and only to whoever proves holding the
    // key (a NIP-98 signed request), as the relay serves gift wraps only to their recipient.
    const oswinKey = Uint8Array.from(Buffer.from(new URL(oswinLink).hash.slice(1), "hex"));
    const wrapsUrl = `${node.url}/reply-wraps/${oswin.replyTo}`;
    const signed = (key: Uint8Array, fields: { u?: string; method?: string; at?: number } = {}) => ({
      Authorization: `Nostr ${Buffer.from(
        JSON.stringify(
          finalizeEvent(
            {
              kind: 27235,
              created_at: fields.at ?? Math.floor(Date.now() / 1000),
              tags: [
                ["u", fields.u ?? wrapsUrl],
                ["method", fields.method ?? "GET"],
              ],
              content: "",
            },
            key,
          ),
        ),
      ).toString("base64")}`,
    });
    const listed = await fetch(wrapsUrl, { headers: signed(oswinKey) });
    expect(listed.status).toBe(200);
    const { wraps } = (await listed.json()) as { wraps: NostrEvent[] };
    expect(wraps).toHaveLength(3);
    for (const wrap of wraps) {
      expect(wrap.kind).toBe(1059);
      expect(wrap.tags).toEqual([["p", oswin.replyTo]]);
    }
    const refusals: [string, Record<string, string>, string][] = [
      ["unsigned", {}, "Only the holder of this key"],
      ["signed by another key", signed(generateSecretKey()), "signed by another key"],
      [
        "for another address",
        signed(oswinKey, { u: `${node.url}/reply-wraps/${seeded.mill.pubkey}` }),
        "another address",
      ],
      ["for another method", signed(oswinKey, { method: "POST" }), "another method"],
      ["too old", signed(oswinKey, { at: Math.floor(Date.now() / 1000) - 3600 }), "too old"],
    ];
    for (const [what, headers, says] of refusals) {
      const r = await fetch(wrapsUrl, { headers });
      expect(r.status, what).toBe(401);
      expect(((await r.json()) as { error: string }).error, what).toContain(says);
    }
    // Nobody lists the answers sent to a group's public key without that key.
    expect((await fetch(`${node.url}/reply-wraps/${seeded.mill.pubkey}`)).status).toBe(401);
    expect((await fetch(`${node.url}/reply-wraps/abc`)).status).toBe(404);

    expect([...w.errors, ...o.errors]).toEqual([]);
    await oswinContext.close();
    await elsewhere.close();
  });

  it("says plainly without JavaScript that the reply page needs it, and offers the node's way", async () => {
    const off = await browser.newContext({ javaScriptEnabled: false });
    const page = await off.newPage();
    await page.goto(brigittaLink);
    expect(await page.locator("h1").textContent()).toBe("Your answer");
    // biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point here
    const text = await page.locator("main").innerText();
    expect(text).toContain("This page needs JavaScript");
    expect(text).toContain("the key never left it");
    expect(text).not.toContain(HIDDEN_PLACE);
    expect(
      await page.getByRole("link", { name: "answer again on the event's page" }).getAttribute("href"),
    ).toBe(`/e/${seeded.repair.naddr}`);
    await off.close();
  });

  it("refuses a wrap to another key, badly signed, with other tags, of another kind or too big (400)", async () => {
    const path = `/e/${seeded.repair.naddr}/answer`;
    const throwaway = generateSecretKey();
    const vera = {
      event: seeded.repair.address,
      name: "Vera Valid",
      contact: null,
      status: "declined",
      guests: 0,
      note: "",
    } as const;
    const valid = (await wrapPublicAnswer(vera, throwaway, seeded.mill.pubkey)) as unknown as NostrEvent;
    // The same answer with too little work: mined for no bits, committing to none.
    const cheap = await wrapPublicAnswer(vera, generateSecretKey(), seeded.mill.pubkey, undefined, {
      difficulty: 0,
    });
    const nonce = valid.tags[1]!;
    const resign = (fields: Partial<NostrEvent>) =>
      finalizeEvent(
        {
          kind: fields.kind ?? 1059,
          created_at: valid.created_at,
          tags: fields.tags ?? valid.tags,
          content: fields.content ?? valid.content,
        },
        generateSecretKey(),
      );
    const flip = (hex: string) => (hex[0] === "0" ? "1" : "0") + hex.slice(1);
    const bad: [string, string, string][] = [
      [
        "to another key",
        JSON.stringify(resign({ tags: [["p", seeded.harbour.pubkey], nonce] })),
        "addressed to another key",
      ],
      [
        "with two p tags",
        JSON.stringify(
          resign({
            tags: [
              ["p", seeded.mill.pubkey],
              ["p", seeded.harbour.pubkey],
            ],
          }),
        ),
        "exactly two tags",
      ],
      [
        "with another tag",
        JSON.stringify(
          resign({
            tags: [["p", seeded.mill.pubkey], nonce, ["t", "x"]],
          }),
        ),
        "exactly two tags",
      ],
      [
        "without its nonce tag",
        JSON.stringify(resign({ tags: [["p", seeded.mill.pubkey]] })),
        "exactly two tags",
      ],
      ["with too little work", JSON.stringify(cheap), "The answer&#39;s proof of work is too small"],
      ["badly signed", JSON.stringify({ ...valid, sig: flip(valid.sig) }), "signature is not valid"],
      [
        "changed after signing",
        JSON.stringify({ ...valid, content: `${valid.content.slice(0, -4)}AAA=` }),
        "signature is not valid",
      ],
      ["of another kind", JSON.stringify(resign({ kind: 1 })), "must be a gift wrap (kind 1059), not kind 1"],
      [
        "too big",
        JSON.stringify(resign({ content: "A".repeat(30_000) })),
        "an answer from this form is never more than",
      ],
      ["not an event", "{nope", "not a Nostr event"],
    ];
    let i = 10;
    for (const [what, wrap, says] of bad) {
      const r = await postFrom(`127.0.0.${i++}`, path, new URLSearchParams({ wrap }).toString());
      expect(r.status, what).toBe(400);
      expect(r.text, what).toContain("Answer not taken");
      expect(r.text, what).toContain(says);
    }
    // A wrap with a typed field beside it is not taken either (the script never sends one).
    const beside = new URLSearchParams({ wrap: JSON.stringify(valid), name: "Vera Valid" }).toString();
    const both = await postFrom(`127.0.0.${i++}`, path, beside);
    expect(both.status).toBe(400);
    expect(both.text).toContain("comes alone: send only the wrap");
    const stored = (await wrapsTo(seeded.mill.secret, seeded.mill.pubkey)).map((e) => e.id);
    expect(stored).not.toContain(valid.id);
    for (const [, wrap] of bad.slice(0, -1))
      expect(stored).not.toContain((JSON.parse(wrap) as NostrEvent).id);

    // The same wrap, untouched, is taken, with a private link the script completes.
    const taken = await postFrom(
      `127.0.0.${i++}`,
      path,
      new URLSearchParams({ wrap: JSON.stringify(valid) }).toString(),
    );
    expect(taken.status).toBe(200);
    expect(taken.text).toContain("your answer is with the hosts");
    expect(taken.text).toContain(`data-private-link="${seeded.repair.naddr}"`);
    expect((await wrapsTo(seeded.mill.secret, seeded.mill.pubkey)).map((e) => e.id)).toContain(valid.id);

    // Wraps are counted per address like any answer, before they are looked at.
    const statuses: number[] = [];
    let limited: { status: number; text: string } | undefined;
    for (let n = 0; n < 10 && !limited; n++) {
      const r = await postFrom("127.0.0.99", path, new URLSearchParams({ wrap: "{nope" }).toString());
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.slice(0, -1).every((s) => s === 400)).toBe(true);
    expect(limited?.text).toContain("Too many answers");
  });
});

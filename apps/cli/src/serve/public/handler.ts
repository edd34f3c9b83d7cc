/**
 * The public pages of `rally serve`, read from the node's own relay store:
 *
 *   GET  /e/<naddr>          an event (times in its zone and in `?tz=`), with the answer form
 *   GET  /e/<naddr>.ics      that event as .ics
 *   POST /e/<naddr>/answer   an answer from the form (urlencoded) → a private link
 *   GET  /g/<npub>[.ics]     a group's public profile and upcoming events (and their feed)
 *   GET  /events[.ics]       upcoming public events, filtered by `tag`, `place`, `from`, `to`
 *   GET  /reply/<hex>        the hosts' reply to an answer, opened with the answer's throwaway key
 *
 * Only kinds 0, 31922, 31923 and 31924 are read for pages; the reply page reads gift wraps to its
 * own key only. An answer is wrapped here with a fresh throwaway key and handed to the relay as if
 * a client had sent it (so admin devices receive it like any other); the name and contact in it are
 * never stored in the clear or logged, and neither is the sender's address (only a counter for it,
 * in memory).
 *
 * Runs in: Node (`rally serve`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  decodeNaddr,
  decodeNpub,
  eventEndsAt,
  type Filter,
  generateSecretKey,
  MarmotError,
  type NostrEvent,
  npubOf,
  openPublicReply,
  type PublicAnswerStatus,
  parseAddress,
  personFromSecretKey,
  wrapPublicAnswer,
} from "@rally/client";
import type { LocalRelay } from "@rally/relay";
import { type AnswerValues, answerTakenPage, type ReplyState, replyPage } from "./answerForm.ts";
import { feed } from "./feeds.ts";
import { html } from "./html.ts";
import {
  byStart,
  calendarTitle,
  EVENT_KINDS,
  isUpcoming,
  KIND_CALENDAR,
  matchesFilter,
  type PublicEvent,
  readDirectoryFilter,
  readProfile,
  readPublicEvent,
} from "./model.ts";
import { directoryPage, eventPage, groupPage, messagePage, type Organiser } from "./pages.ts";
import { AnswerRateLimit } from "./rateLimit.ts";
import { STYLESHEET, STYLESHEET_PATH } from "./style.ts";
import { readerZone } from "./timeText.ts";

export interface PublicPagesOptions {
  /** The node's relay, once it listens. */
  relay: () => LocalRelay | undefined;
  /** `http(s)://host[:port]` readers use when fixed (behind a proxy); else from the Host header. */
  origin?: string;
  /** The listening address, `http://host:port`, when the Host header is unusable. */
  fallbackOrigin: () => string;
  limit?: AnswerRateLimit;
}

/** No scripts at all; styles and forms only from this origin. */
const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const COMMON = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

const MAX_FORM_BYTES = 16 * 1024;
const MAX_LISTED = 1000;
const MAX_READ_BYTES = 8 * 1024 * 1024;

type Route =
  | { kind: "css" }
  | { kind: "directory"; ics: boolean }
  | { kind: "event"; naddr: string; ics: boolean }
  | { kind: "answer"; naddr: string }
  | { kind: "group"; npub: string; ics: boolean }
  | { kind: "reply"; secret: string };

/** Which page a path is, or undefined when it is not one of ours (the web app serves it). */
export function routeOf(pathname: string): Route | undefined {
  if (pathname === STYLESHEET_PATH) return { kind: "css" };
  if (pathname === "/events" || pathname === "/events/") return { kind: "directory", ics: false };
  if (pathname === "/events.ics") return { kind: "directory", ics: true };
  let m = /^\/e\/(naddr1[0-9a-z]+)(\.ics)?$/.exec(pathname);
  if (m) return { kind: "event", naddr: m[1]!, ics: m[2] !== undefined };
  m = /^\/e\/(naddr1[0-9a-z]+)\/answer$/.exec(pathname);
  if (m) return { kind: "answer", naddr: m[1]! };
  m = /^\/g\/(npub1[0-9a-z]+)(\.ics)?$/.exec(pathname);
  if (m) return { kind: "group", npub: m[1]!, ics: m[2] !== undefined };
  m = /^\/reply\/([0-9a-fA-F]*)$/.exec(pathname);
  if (m) return { kind: "reply", secret: m[1]!.toLowerCase() };
  return undefined;
}

const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...COMMON,
    "Content-Type": type,
    "Content-Length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

const HTML = "text/html; charset=utf-8";
const ICS = "text/calendar; charset=utf-8";

export function publicPagesHandler(
  options: PublicPagesOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const limit = options.limit ?? new AnswerRateLimit();

  const originOf = (req: IncomingMessage): string => {
    if (options.origin) return options.origin;
    const host = req.headers.host ?? "";
    return HOST.test(host) ? `http://${host.toLowerCase()}` : options.fallbackOrigin();
  };

  const sendPage = (req: IncomingMessage, res: ServerResponse, status: number, body: string, headers = {}) =>
    send(req, res, status, HTML, body, {
      "Content-Security-Policy": PAGE_CSP,
      "Cache-Control": "no-cache",
      ...headers,
    });
  const notFound = (req: IncomingMessage, res: ServerResponse, what: string) =>
    sendPage(
      req,
      res,
      404,
      messagePage("Not found", what, html`<p><a href="/events">See upcoming public events</a></p>`),
    );

  async function query(relay: LocalRelay, filter: Filter): Promise<NostrEvent[]> {
    // Pages show only profiles, calendars and calendar events, whatever the filter asks.
    const kinds = (filter.kinds ?? []).filter(
      (k) => k === 0 || EVENT_KINDS.includes(k) || k === KIND_CALENDAR,
    );
    if (kinds.length === 0) return [];
    return relay.query({ ...filter, kinds }, { maxBytes: MAX_READ_BYTES });
  }

  async function organisers(relay: LocalRelay, pubkeys: readonly string[]): Promise<Map<string, Organiser>> {
    const unique = [...new Set(pubkeys)];
    const out = new Map<string, Organiser>();
    if (unique.length === 0) return out;
    const [profiles, calendars] = await Promise.all([
      query(relay, { kinds: [0], authors: unique }),
      query(relay, { kinds: [KIND_CALENDAR], authors: unique, "#d": ["rally"] }),
    ]);
    for (const pubkey of unique) {
      const npub = npubOf(pubkey);
      const name =
        readProfile(profiles.find((e) => e.pubkey === pubkey))?.name ||
        calendarTitle(calendars.find((e) => e.pubkey === pubkey)) ||
        `${npub.slice(0, 12)}…${npub.slice(-6)}`;
      out.set(pubkey, { npub, name });
    }
    return out;
  }

  async function findEvent(
    relay: LocalRelay,
    naddr: string,
    wsOrigin: string,
  ): Promise<PublicEvent | undefined> {
    const pointer = decodeNaddr(naddr);
    if (!pointer || !EVENT_KINDS.includes(pointer.kind)) return undefined;
    return findByAddress(relay, pointer.kind, pointer.pubkey, pointer.identifier, wsOrigin);
  }

  async function findByAddress(
    relay: LocalRelay,
    kind: number,
    pubkey: string,
    d: string,
    wsOrigin: string,
  ): Promise<PublicEvent | undefined> {
    const [found] = await query(relay, { kinds: [kind], authors: [pubkey], "#d": [d], limit: 1 });
    return found ? readPublicEvent(found, [wsOrigin]) : undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): Promise<void> {
    if (route.kind === "css") {
      send(req, res, 200, "text/css; charset=utf-8", STYLESHEET, { "Cache-Control": "public, max-age=3600" });
      return;
    }
    const relay = options.relay();
    if (!relay) {
      sendPage(req, res, 503, messagePage("Starting", "This node is starting; try again in a moment."));
      return;
    }
    const origin = originOf(req);
    const wsOrigin = origin.replace(/^http/, "ws");
    const now = relay.now();

    switch (route.kind) {
      case "event": {
        const event = await findEvent(relay, route.naddr, wsOrigin);
        if (!event)
          return notFound(
            req,
            res,
            "There is no public event at this address (it may have been taken down).",
          );
        const organiser = (await organisers(relay, [event.pubkey])).get(event.pubkey)!;
        if (route.ics) {
          send(req, res, 200, ICS, feed([event], { nameOf: () => organiser.name }), {
            "Content-Disposition": 'attachment; filename="event.ics"',
            "Cache-Control": "no-cache",
          });
          return;
        }
        const readerTz = readerZone(url.searchParams.get("tz"));
        sendPage(
          req,
          res,
          200,
          eventPage({ event, organiser, origin, readerTz, ended: !isUpcoming(event, now) }),
        );
        return;
      }
      case "group": {
        const pubkey = decodeNpub(route.npub);
        if (!pubkey) return notFound(req, res, "This is not a group's public address.");
        const [profileEvents, calendars, events] = await Promise.all([
          query(relay, { kinds: [0], authors: [pubkey], limit: 1 }),
          query(relay, { kinds: [KIND_CALENDAR], authors: [pubkey], "#d": ["rally"], limit: 1 }),
          query(relay, { kinds: [...EVENT_KINDS], authors: [pubkey], limit: MAX_LISTED }),
        ]);
        const profile = readProfile(profileEvents[0]);
        const upcoming = events
          .map((e) => readPublicEvent(e, [wsOrigin]))
          .filter((e): e is PublicEvent => e !== undefined && isUpcoming(e, now))
          .sort(byStart);
        const title = calendarTitle(calendars[0]);
        if (!profile && !title && upcoming.length === 0)
          return notFound(req, res, "This group has no public page here.");
        const organiser = (await organisers(relay, [pubkey])).get(pubkey)!;
        if (route.ics) {
          send(
            req,
            res,
            200,
            ICS,
            feed(upcoming, {
              name: organiser.name,
              ...(profile?.about ? { description: profile.about } : {}),
              nameOf: () => organiser.name,
            }),
            { "Cache-Control": "no-cache" },
          );
          return;
        }
        sendPage(req, res, 200, groupPage({ organiser, profile, events: upcoming, origin }));
        return;
      }
      case "directory": {
        const { filter, problems } = readDirectoryFilter(url.searchParams);
        const stored = await query(relay, { kinds: [...EVENT_KINDS], limit: MAX_LISTED });
        const events = stored
          .map((e) => readPublicEvent(e, [wsOrigin]))
          .filter((e): e is PublicEvent => e !== undefined && isUpcoming(e, now) && matchesFilter(e, filter))
          .sort(byStart);
        const names = await organisers(
          relay,
          events.map((e) => e.pubkey),
        );
        if (route.ics) {
          send(
            req,
            res,
            200,
            ICS,
            feed(events, { name: "Public events", nameOf: (p) => names.get(p)?.name }),
            {
              "Cache-Control": "no-cache",
            },
          );
          return;
        }
        sendPage(req, res, 200, directoryPage({ events, organisers: names, filter, problems, origin }));
        return;
      }
      case "answer":
        return answer(req, res, relay, route.naddr, wsOrigin, origin);
      case "reply":
        return reply(req, res, relay, route.secret, url, wsOrigin);
    }
  }

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    relay: LocalRelay,
    naddr: string,
    wsOrigin: string,
    origin: string,
  ): Promise<void> {
    const noStore = { "Cache-Control": "no-store" };
    // Counted before anything else, so a flood costs this node as little as possible.
    const allowed = limit.take(req.socket.remoteAddress ?? "unknown");
    if (!allowed.ok) {
      req.resume();
      sendPage(
        req,
        res,
        429,
        messagePage(
          "Too many answers",
          `Too many answers were sent from your address. Please try again in ${Math.ceil(allowed.retryAfter / 60)} minute(s).`,
        ),
        { "Retry-After": String(allowed.retryAfter), ...noStore },
      );
      return;
    }
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") {
      req.resume();
      sendPage(
        req,
        res,
        415,
        messagePage("Not a form", "Send the answer with the form on the event's page."),
        noStore,
      );
      return;
    }
    const body = await readBody(req, MAX_FORM_BYTES);
    if (body === undefined) {
      sendPage(
        req,
        res,
        413,
        messagePage(
          "Answer too long",
          "The answer is longer than the form allows; shorten the note and send it again.",
        ),
        noStore,
      );
      return;
    }
    const event = await findEvent(relay, naddr, wsOrigin);
    if (!event)
      return notFound(req, res, "There is no public event at this address (it may have been taken down).");
    const form = new URLSearchParams(body);
    const values: AnswerValues = {
      name: form.get("name") ?? "",
      contact: form.get("contact") ?? "",
      status: form.get("status") ?? "",
      guests: (form.get("guests") ?? "").trim() || "0",
      note: form.get("note") ?? "",
    };
    const now = relay.now();
    const ended = eventEndsAt(event.time) <= now;
    const organiser = (await organisers(relay, [event.pubkey])).get(event.pubkey)!;
    const refuse = (status: number, problems: string[]) =>
      sendPage(
        req,
        res,
        status,
        eventPage({ event, organiser, origin, readerTz: null, ended, answer: { values, problems } }),
        noStore,
      );
    if (ended) return refuse(400, ["This event is over; it takes no more answers."]);
    if (event.cancelled) return refuse(400, ["This event is cancelled; it takes no more answers."]);
    if (!/^\d{1,2}$/.test(values.guests)) return refuse(400, ["Guests must be a whole number from 0 to 20."]);

    const throwaway = generateSecretKey();
    try {
      let wrap: NostrEvent;
      try {
        wrap = wrapPublicAnswer(
          {
            event: event.address,
            name: values.name,
            contact: values.contact.trim() === "" ? null : values.contact,
            status: values.status as PublicAnswerStatus,
            guests: Number(values.guests),
            note: values.note,
          },
          throwaway,
          event.pubkey,
          now,
        );
      } catch (error) {
        if (error instanceof MarmotError) return refuse(400, [error.message]);
        throw error;
      }
      const result = await relay.publish(wrap);
      if (!result.accepted) {
        return refuse(503, ["This node could not keep your answer just now; please send it again."]);
      }
      const replyUrl = `${origin}/reply/${Buffer.from(throwaway).toString("hex")}?e=${event.naddr}`;
      sendPage(req, res, 200, answerTakenPage({ event, replyUrl }), noStore);
    } finally {
      throwaway.fill(0);
    }
  }

  async function reply(
    req: IncomingMessage,
    res: ServerResponse,
    relay: LocalRelay,
    secretHex: string,
    url: URL,
    wsOrigin: string,
  ): Promise<void> {
    const noStore = { "Cache-Control": "no-store" };
    if (!/^[0-9a-f]{64}$/.test(secretHex))
      return notFound(req, res, "This private link is not complete; check that you copied all of it.");
    const secret = Uint8Array.from(Buffer.from(secretHex, "hex"));
    try {
      let pubkey: string;
      try {
        pubkey = personFromSecretKey(secret).pubkey;
      } catch {
        return notFound(req, res, "This private link is not valid.");
      }
      const wraps = await relay.query(
        { kinds: [1059], "#p": [pubkey], limit: 100 },
        { maxBytes: MAX_READ_BYTES },
      );
      let newest: ReturnType<typeof openPublicReply> | undefined;
      for (const wrap of wraps) {
        try {
          const opened = openPublicReply(wrap, secret);
          if (!newest || opened.at > newest.at) newest = opened;
        } catch {
          // Not a reply from the event's group (or damaged): ignored.
        }
      }
      let event: PublicEvent | undefined;
      const address = newest ? parseAddress(newest.event) : undefined;
      if (address) event = await findByAddress(relay, address.kind, address.pubkey, address.d, wsOrigin);
      else {
        const e = url.searchParams.get("e");
        if (e) event = await findEvent(relay, e, wsOrigin);
      }
      const state: ReplyState = !newest
        ? { kind: "waiting" }
        : newest.status === "approved"
          ? { kind: "approved", place: newest.place, message: newest.message }
          : { kind: "refused", message: newest.message };
      sendPage(req, res, 200, replyPage({ state, event }), noStore);
    } finally {
      secret.fill(0);
    }
  }

  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      return false;
    }
    const route = routeOf(url.pathname);
    if (!route) return false;
    const method = req.method ?? "GET";
    const wanted = route.kind === "answer" ? ["POST"] : ["GET", "HEAD"];
    if (!wanted.includes(method)) {
      req.resume();
      send(req, res, 405, "text/plain; charset=utf-8", "Method not allowed\n", { Allow: wanted.join(", ") });
      return true;
    }
    handle(req, res, route, url).catch(() => {
      // Nothing about the request is logged: an answer's fields must never reach a log.
      if (!res.headersSent) sendPage(req, res, 500, messagePage("Something went wrong", "Please try again."));
      else res.end();
    });
    return true;
  };
}

/** The body as text, or undefined past `max` bytes (then the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        done = true;
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!done) resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}

/**
 * The public pages of `rally serve`, read from the node's own relay store:
 *
 *   GET  /e/<naddr>          an event (times in its zone and in `?tz=`), with the answer form
 *   GET  /e/<naddr>.ics      that event as .ics
 *   POST /e/<naddr>/answer   an answer from the form (urlencoded) → a private link (answers.ts)
 *   GET  /g/<npub>[.ics]     a group's public profile and upcoming events (and their feed)
 *   GET  /events[.ics]       upcoming public events, filtered by `tag`, `place`, `from`, `to`
 *   GET  /reply/<hex>        the hosts' reply to an answer (answers.ts)
 *   GET  /reply?e=<naddr>    the same for a key made in the browser, opened there (browserReply.ts)
 *   GET  /reply-wraps/<hex>  the gift wraps to a public key, as JSON, for that page's script (to
 *                            the key's holder only: a NIP-98 signed request)
 *   GET  /answer.js          the one script of the pages that answer (script.ts)
 *
 * Only kinds 0, 31922, 31923 and 31924 are read for pages (reading.ts); the reply page reads gift
 * wraps to its own key only. Ended events drop off lists and feeds; their page stays.
 *
 * Runs in: Node (`rally serve`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeNpub } from "@rally/client";
import type { LocalRelay } from "@rally/relay";
import { handleAnswer, handleReply, type MiningPause } from "./answers.ts";
import { handleReplyShell, handleReplyWraps } from "./browserReply.ts";
import { feed } from "./feeds.ts";
import { ANSWER_SCRIPT_PATH } from "./layout.ts";
import {
  byStart,
  calendarTitle,
  isUpcoming,
  KIND_CALENDAR,
  matchesFilter,
  readDirectoryFilter,
  readProfile,
} from "./model.ts";
import { directoryPage, eventPage, groupPage, messagePage } from "./pages.ts";
import { AnswerRateLimit } from "./rateLimit.ts";
import { MAX_LISTED, PageReader } from "./reading.ts";
import { ICS, SCRIPT_PAGE, send, sendNotFound, sendPage } from "./respond.ts";
import { answerScript, sendAnswerScript } from "./script.ts";
import { SealingSlots } from "./sealingSlots.ts";
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
  /** Answers this node seals for people without JavaScript, per hour, all together. Default 120. */
  sealedPerHour?: number;
  /** Answers sealed at once (default `MAX_SEALING`). */
  sealing?: SealingSlots;
  /** Between slices of mining an answer (default: the next turn of the event loop). */
  pause?: MiningPause;
}

/** Default of `sealedPerHour`: about a minute of this node's thread an hour at most, at ~0.5 s each. */
export const DEFAULT_SEALED_PER_HOUR = 120;

type Route =
  | { kind: "css" }
  | { kind: "script" }
  | { kind: "replyShell" }
  | { kind: "replyWraps"; pubkey: string }
  | { kind: "directory"; ics: boolean }
  | { kind: "event"; naddr: string; ics: boolean }
  | { kind: "answer"; naddr: string }
  | { kind: "group"; npub: string; ics: boolean }
  | { kind: "reply"; secret: string };

/** Which page a path is, or undefined when it is not one of these (the web app serves it). */
export function routeOf(pathname: string): Route | undefined {
  if (pathname === STYLESHEET_PATH) return { kind: "css" };
  if (pathname === ANSWER_SCRIPT_PATH) return { kind: "script" };
  if (pathname === "/reply") return { kind: "replyShell" };
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
  m = /^\/reply-wraps\/([0-9a-fA-F]*)$/.exec(pathname);
  if (m) return { kind: "replyWraps", pubkey: m[1]!.toLowerCase() };
  return undefined;
}

const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
const FEED_HEADERS = { "Cache-Control": "no-cache" };

async function eventRoute(
  req: IncomingMessage,
  res: ServerResponse,
  route: { naddr: string; ics: boolean },
  url: URL,
  reader: PageReader,
  origin: string,
): Promise<void> {
  const event = await reader.byNaddr(route.naddr);
  if (!event)
    return sendNotFound(req, res, "There is no public event at this address (it may have been taken down).");
  const organiser = await reader.organiser(event.pubkey);
  if (route.ics) {
    const ics = feed([event], { nameOf: () => organiser.name });
    send(req, res, 200, ICS, ics, {
      ...FEED_HEADERS,
      "Content-Disposition": 'attachment; filename="event.ics"',
    });
    return;
  }
  const readerTz = readerZone(url.searchParams.get("tz"));
  const ended = !isUpcoming(event, reader.relay.now());
  const now = reader.relay.now();
  // The script comes with the answer form only (not on an event that is over or cancelled).
  const answering = !ended && !event.cancelled;
  const page = eventPage({ event, organiser, origin, readerTz, ended, now });
  sendPage(req, res, 200, page, answering ? SCRIPT_PAGE : {});
}

async function groupRoute(
  req: IncomingMessage,
  res: ServerResponse,
  route: { npub: string; ics: boolean },
  reader: PageReader,
  origin: string,
): Promise<void> {
  const pubkey = decodeNpub(route.npub);
  if (!pubkey) return sendNotFound(req, res, "This is not a group's public address.");
  const now = reader.relay.now();
  const [profiles, calendars, events] = await Promise.all([
    reader.query({ kinds: [0], authors: [pubkey], limit: 1 }),
    reader.query({ kinds: [KIND_CALENDAR], authors: [pubkey], "#d": ["rally"], limit: 1 }),
    reader.events({ authors: [pubkey], limit: MAX_LISTED }),
  ]);
  const profile = readProfile(profiles[0]);
  const upcoming = events.filter((e) => isUpcoming(e, now)).sort(byStart);
  if (!profile && !calendarTitle(calendars[0]) && upcoming.length === 0)
    return sendNotFound(req, res, "This group has no public page here.");
  const organiser = await reader.organiser(pubkey);
  if (route.ics) {
    const ics = feed(upcoming, {
      name: organiser.name,
      ...(profile?.about ? { description: profile.about } : {}),
      nameOf: () => organiser.name,
    });
    send(req, res, 200, ICS, ics, FEED_HEADERS);
    return;
  }
  sendPage(req, res, 200, groupPage({ organiser, profile, events: upcoming, origin }));
}

async function directoryRoute(
  req: IncomingMessage,
  res: ServerResponse,
  ics: boolean,
  url: URL,
  reader: PageReader,
  origin: string,
): Promise<void> {
  const { filter, problems } = readDirectoryFilter(url.searchParams);
  const now = reader.relay.now();
  const events = (await reader.events({ limit: MAX_LISTED }))
    .filter((e) => isUpcoming(e, now) && matchesFilter(e, filter))
    .sort(byStart);
  const organisers = await reader.organisers(events.map((e) => e.pubkey));
  if (ics) {
    const text = feed(events, { name: "Public events", nameOf: (p) => organisers.get(p)?.name });
    send(req, res, 200, ICS, text, FEED_HEADERS);
    return;
  }
  sendPage(req, res, 200, directoryPage({ events, organisers, filter, problems, origin }));
}

export function publicPagesHandler(
  options: PublicPagesOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const limit = options.limit ?? new AnswerRateLimit();
  const sealing = options.sealing ?? new SealingSlots();
  const perHour = options.sealedPerHour ?? DEFAULT_SEALED_PER_HOUR;
  const sealedPerHour = new AnswerRateLimit({ burst: perHour, windowSeconds: 3600, maxAddresses: 1 });

  const originOf = (req: IncomingMessage): string => {
    if (options.origin) return options.origin;
    const host = req.headers.host ?? "";
    return HOST.test(host) ? `http://${host.toLowerCase()}` : options.fallbackOrigin();
  };

  async function handle(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): Promise<void> {
    if (route.kind === "css") {
      send(req, res, 200, "text/css; charset=utf-8", STYLESHEET, { "Cache-Control": "public, max-age=3600" });
      return;
    }
    if (route.kind === "script") return sendAnswerScript(req, res);
    const relay = options.relay();
    if (!relay) {
      sendPage(req, res, 503, messagePage("Starting", "This node is starting; try again in a moment."));
      return;
    }
    const origin = originOf(req);
    const reader = new PageReader(relay, origin.replace(/^http/, "ws"));
    switch (route.kind) {
      case "event":
        return eventRoute(req, res, route, url, reader, origin);
      case "group":
        return groupRoute(req, res, route, reader, origin);
      case "directory":
        return directoryRoute(req, res, route.ics, url, reader, origin);
      case "answer":
        return handleAnswer(req, res, route.naddr, {
          reader,
          limit,
          origin,
          sealing,
          sealedPerHour,
          ...(options.pause ? { pause: options.pause } : {}),
        });
      case "reply":
        return handleReply(req, res, route.secret, url, reader);
      case "replyShell":
        return handleReplyShell(req, res, url, reader);
      case "replyWraps":
        return handleReplyWraps(req, res, route.pubkey, url, reader);
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
    // The script is bundled when the first public page is asked for (a node that serves none
    // never spends the time), so it is ready by the time the reader has typed an answer. A failure
    // leaves the pages as they are without JavaScript, and is tried again on the next request.
    answerScript().catch(() => {});
    const allowed = route.kind === "answer" ? ["POST"] : ["GET", "HEAD"];
    if (!allowed.includes(req.method ?? "GET")) {
      req.resume();
      send(req, res, 405, "text/plain; charset=utf-8", "Method not allowed\n", { Allow: allowed.join(", ") });
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

/**
 * Answers from people without Rally (docs/PROTOCOL.md §20), the server side of the form:
 *
 * - `POST /e/<naddr>/answer`: counted per address first (429 with Retry-After past the limit), then
 *   the form is checked (400 with what is wrong, the typed values kept), wrapped to the group's
 *   public key with a fresh throwaway key (mining its proof of work; 503 when this node is already
 *   sealing as many answers as it takes at once, or has sealed as many as it does in an hour; the
 *   mining stops if the person's connection closes), and handed to the relay as if a client had sent it. The
 *   person gets a private link holding the throwaway secret. Name and contact live only in this
 *   request and inside the wrap: nothing here stores or logs them.
 *   With JavaScript on, the page's script sends only a `wrap` field instead: the answer sealed in
 *   the browser with a key made there. It is checked from the outside (answerWrap.ts) and handed
 *   to the relay the same way; this node never sees the name, and the private link is completed
 *   by the script with the key it kept (`/reply?e=<naddr>#<secret>`).
 * - `GET /reply/<hex>`: opens the reply wraps to that key from the store; the newest one says
 *   approved (with the place) or not; none yet means "waiting for the hosts".
 *
 * Runs in: Node (`rally serve`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  decodeNaddr,
  eventEndsAt,
  generateSecretKey,
  MarmotError,
  type NostrEvent,
  openPublicReply,
  type PublicAnswerStatus,
  parseAddress,
  personFromSecretKey,
  wrapPublicAnswer,
} from "@rally/client";
import {
  type AnswerValues,
  answerTakenPage,
  EMPTY_ANSWER,
  type ReplyState,
  replyPage,
} from "./answerForm.ts";
import { checkAnswerWrap } from "./answerWrap.ts";
import { html } from "./html.ts";
import type { PublicEvent } from "./model.ts";
import { eventPage, messagePage } from "./pages.ts";
import type { AnswerRateLimit } from "./rateLimit.ts";
import { addressKey } from "./rateLimit.ts";
import type { PageReader } from "./reading.ts";
import { NO_STORE, readBody, SCRIPT_PAGE, sendNotFound, sendPage } from "./respond.ts";
import type { SealingSlots } from "./sealingSlots.ts";

/**
 * Far above what the form's fields allow (1300 characters, up to 4 bytes each, encoded) and above a
 * wrap from the page's script (answerWrap.ts refuses one past its own limit in plain words).
 */
const MAX_FORM_BYTES = 64 * 1024;
const GONE = "There is no public event at this address (it may have been taken down).";
/** Lets the node serve others between slices of mining; throws to stop the mining. */
export type MiningPause = () => Promise<void>;

const nextTurn: MiningPause = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The person's connection closed while their answer was being sealed: the work stops there. */
class AnswerAbandoned extends Error {}

/** The key under which the node-wide budget of sealed answers is counted (one bucket). */
const NODE = "node";

export interface AnswerContext {
  reader: PageReader;
  limit: AnswerRateLimit;
  /** Answers this process seals at once for people without JavaScript (sealingSlots.ts). */
  sealing: SealingSlots;
  /** Answers this node seals per hour for everyone together (one bucket, key "node"). */
  sealedPerHour: AnswerRateLimit;
  /** Between slices of mining (default: the next turn of the event loop). */
  pause?: MiningPause;
  /** `http(s)://host[:port]` as the person reached this node. */
  origin: string;
}

/** The form's fields as typed (kept for the page shown again on a problem). */
function formValues(body: string): AnswerValues {
  const form = new URLSearchParams(body);
  return {
    name: form.get("name") ?? "",
    contact: form.get("contact") ?? "",
    status: form.get("status") ?? "",
    guests: (form.get("guests") ?? "").trim() || "0",
    note: form.get("note") ?? "",
  };
}

export async function handleAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  naddr: string,
  ctx: AnswerContext,
): Promise<void> {
  // Counted before anything else is done, so a flood costs this node as little as possible.
  const allowed = ctx.limit.take(addressKey(req.socket.remoteAddress ?? ""));
  if (!allowed.ok) {
    req.resume();
    const minutes = Math.ceil(allowed.retryAfter / 60);
    const page = messagePage(
      "Too many answers",
      `Too many answers came from your address just now. Please try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    );
    sendPage(req, res, 429, page, { "Retry-After": String(allowed.retryAfter), ...NO_STORE });
    return;
  }
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    req.resume();
    const page = messagePage("Not a form", "Send your answer with the form on the event's page.");
    sendPage(req, res, 415, page, NO_STORE);
    return;
  }
  const body = await readBody(req, MAX_FORM_BYTES);
  if (body === undefined) {
    const page = messagePage(
      "Answer too long",
      "The answer is longer than the form allows; shorten the note.",
    );
    sendPage(req, res, 413, page, NO_STORE);
    return;
  }
  const event = await ctx.reader.byNaddr(naddr);
  if (!event) return sendNotFound(req, res, GONE);
  const form = new URLSearchParams(body);
  const sealed = form.get("wrap");
  // A wrap from the page's script comes alone: no typed value reaches this node to be shown again.
  const values = sealed === null ? formValues(body) : EMPTY_ANSWER;
  const relay = ctx.reader.relay;
  const now = relay.now();
  const ended = eventEndsAt(event.time) <= now;
  const organiser = await ctx.reader.organiser(event.pubkey);
  const refuse = (status: number, problem: string, headers: Record<string, string> = {}) =>
    sendPage(
      req,
      res,
      status,
      eventPage({
        event,
        organiser,
        origin: ctx.origin,
        readerTz: null,
        ended,
        now,
        answer: { values, problems: [problem] },
      }),
      { ...SCRIPT_PAGE, ...NO_STORE, ...headers },
    );
  if (ended) return refuse(400, "This event is over; it takes no more answers.");
  if (event.cancelled) return refuse(400, "This event is cancelled; it takes no more answers.");
  if (sealed !== null) {
    // Alone, so a script that let a typed field slip beside the wrap is caught, not quietly taken.
    const checked = [...form.keys()].some((k) => k !== "wrap")
      ? { ok: false as const, problem: "An answer sealed in the browser comes alone: send only the wrap." }
      : checkAnswerWrap(sealed, event.pubkey);
    if (!checked.ok) {
      const back = html`<p><a href="/e/${event.naddr}">Back to the event's page</a></p>`;
      return sendPage(req, res, 400, messagePage("Answer not taken", checked.problem, back), NO_STORE);
    }
    const stored = await relay.publish(checked.wrap);
    if (!stored.accepted) {
      if (stored.message.startsWith("error"))
        return refuse(503, "This node could not keep your answer just now; please send it again.");
      // The relay's own rules (a time far off, a deleted key): said as it says them.
      const problem = `This node's relay did not take the sealed answer (${stored.message}).`;
      return sendPage(req, res, 400, messagePage("Answer not taken", problem), NO_STORE);
    }
    const replyUrl = `${ctx.origin}/reply?e=${event.naddr}`;
    const page = answerTakenPage({ event, replyUrl, keptInBrowser: true });
    return sendPage(req, res, 200, page, { ...SCRIPT_PAGE, ...NO_STORE });
  }
  if (!/^\d{1,2}$/.test(values.guests)) return refuse(400, "Guests must be a whole number from 0 to 20.");
  if (!ctx.sealing.take())
    return refuse(
      503,
      "This node is sealing other answers just now; please send yours again in a few seconds.",
    );
  // Sealing costs this node a second or more of its one thread; per address it is limited above,
  // and all together to so many an hour, so addresses in many networks cannot keep it busy.
  const budget = ctx.sealedPerHour.take(NODE);
  if (!budget.ok) {
    ctx.sealing.release();
    const minutes = Math.ceil(budget.retryAfter / 60);
    return refuse(
      503,
      `This node has sealed as many answers as it can this hour. Please try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or answer with JavaScript on (your browser then seals the answer itself).`,
      { "Retry-After": String(budget.retryAfter) },
    );
  }
  // A person who gave up (closed the page, a client that drops the connection) stops the mining at
  // the next slice, and nothing is stored for them.
  let gone = false;
  const onClose = () => {
    gone = true;
  };
  res.once("close", onClose);
  const basePause = ctx.pause ?? nextTurn;
  const pause: MiningPause = async () => {
    await basePause();
    if (gone) throw new AnswerAbandoned();
  };

  const throwaway = generateSecretKey();
  try {
    let wrap: NostrEvent;
    try {
      // Mined here for the person without JavaScript (about a second, in slices: this node keeps
      // serving meanwhile); the limit per address, the sealing slots and the hourly budget bound how
      // much is asked.
      wrap = await wrapPublicAnswer(
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
        { pause },
      );
    } catch (error) {
      if (error instanceof AnswerAbandoned) return;
      // The refusal names the field and the rule, never what was typed.
      if (error instanceof MarmotError) return refuse(400, error.message);
      throw error;
    }
    if (gone) return;
    const stored = await relay.publish(wrap);
    if (!stored.accepted)
      return refuse(503, "This node could not keep your answer just now; please send it again.");
    const replyUrl = `${ctx.origin}/reply/${Buffer.from(throwaway).toString("hex")}?e=${event.naddr}`;
    sendPage(req, res, 200, answerTakenPage({ event, replyUrl }), NO_STORE);
  } finally {
    res.off("close", onClose);
    ctx.sealing.release();
    throwaway.fill(0);
  }
}

export async function handleReply(
  req: IncomingMessage,
  res: ServerResponse,
  secretHex: string,
  url: URL,
  reader: PageReader,
): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(secretHex))
    return sendNotFound(req, res, "This private link is not complete; check that you copied all of it.");
  const secret = Uint8Array.from(Buffer.from(secretHex, "hex"));
  try {
    let pubkey: string;
    try {
      pubkey = personFromSecretKey(secret).pubkey;
    } catch {
      return sendNotFound(req, res, "This private link is not valid.");
    }
    // Gift wraps to this key only: the one read of the store that is not a public kind.
    const wraps = await reader.relay.query({ kinds: [1059], "#p": [pubkey], limit: 100 });
    // The link names the event answered: a reply about any other event (sealed by another key
    // that somehow learnt this one) is not this answer's.
    const answered = decodeNaddr(url.searchParams.get("e") ?? "");
    const answeredAddress = answered
      ? `${answered.kind}:${answered.pubkey}:${answered.identifier}`
      : undefined;
    let newest: ReturnType<typeof openPublicReply> | undefined;
    for (const wrap of wraps) {
      try {
        const opened = openPublicReply(wrap, secret);
        if (answeredAddress !== undefined && opened.event !== answeredAddress) continue;
        if (!newest || opened.at > newest.at) newest = opened;
      } catch {
        // Not a reply sealed by the event's group, or damaged: not shown.
      }
    }
    let event: PublicEvent | undefined;
    const address = newest ? parseAddress(newest.event) : undefined;
    if (address) event = await reader.byAddress(address.kind, address.pubkey, address.d);
    else {
      const e = url.searchParams.get("e");
      if (e) event = await reader.byNaddr(e);
    }
    const state: ReplyState = !newest
      ? { kind: "waiting" }
      : newest.status === "approved"
        ? { kind: "approved", place: newest.place, message: newest.message }
        : { kind: "refused", message: newest.message };
    sendPage(req, res, 200, replyPage({ state, event }), NO_STORE);
  } finally {
    secret.fill(0);
  }
}

/**
 * The answer form on an event page and the pages around it: the answer taken (with the private
 * link to come back to), and the private reply page (waiting, approved with the place, or not
 * approved). Plain HTML forms: they work without JavaScript. With it, the page's script
 * (browser/main.ts) finds the form by `data-answer` and the private link and reply page by
 * `data-private-link` and `id="reply-state"`, and shows the same words as these pages.
 *
 * Runs in: Node (`rally serve`); pure.
 */
import { type Html, html, paragraphs } from "./html.ts";
import { page } from "./layout.ts";
import type { PublicEvent } from "./model.ts";
import { whenText } from "./timeText.ts";

export interface AnswerValues {
  name: string;
  contact: string;
  status: string;
  guests: string;
  note: string;
}

export const EMPTY_ANSWER: AnswerValues = { name: "", contact: "", status: "going", guests: "0", note: "" };

const STATUSES = [
  ["going", "Going"],
  ["maybe", "Maybe"],
  ["declined", "Can't go"],
] as const;

export function problemList(problems: readonly string[]): Html {
  if (problems.length === 0) return html``;
  return html`<div class="problems" role="alert"><p><strong>Please check:</strong></p><ul>${problems.map(
    (p) => html`<li>${p}</li>`,
  )}</ul></div>`;
}

export function answerForm(
  event: PublicEvent,
  values: AnswerValues,
  problems: readonly string[],
  now?: number,
): Html {
  return html`<section aria-labelledby="answer-heading">
<h2 id="answer-heading">Will you come?</h2>
${problemList(problems)}
<p>No account needed. Your name and contact go only to the hosts, encrypted.</p>
<form class="stack" method="post" action="/e/${event.naddr}/answer" data-answer="${event.naddr}"${now === undefined ? "" : html` data-now="${Math.floor(now)}"`}>
<label for="answer-name">Your name</label>
<input id="answer-name" name="name" required maxlength="100" autocomplete="name" value="${values.name}">
<label for="answer-contact">How the hosts can reach you (optional)</label>
<input id="answer-contact" name="contact" maxlength="200" autocomplete="email" value="${values.contact}">
<fieldset>
<legend>Your answer</legend>
${STATUSES.map(
  ([value, label]) =>
    html`<label><input type="radio" name="status" value="${value}"${values.status === value ? html` checked` : ""}> ${label}</label>`,
)}
</fieldset>
<label for="answer-guests">Guests coming with you (0–20, only if going)</label>
<input id="answer-guests" name="guests" type="number" min="0" max="20" inputmode="numeric" value="${values.guests}">
<label for="answer-note">A note to the hosts (optional)</label>
<textarea id="answer-note" name="note" rows="3" maxlength="1000">${values.note}</textarea>
<button type="submit">Send my answer</button>
</form>
</section>`;
}

/**
 * The page after an answer. `keptInBrowser`: the answer was sealed by the page's script with a key
 * made in the browser; the link shown here lacks that key, and the script adds it after a `#` (a
 * fragment, which browsers never send to a server).
 */
export function answerTakenPage(input: {
  event: PublicEvent;
  replyUrl: string;
  keptInBrowser?: boolean;
}): string {
  const { event } = input;
  const approval = event.approval
    ? html`<p>The hosts approve answers for this event. Once they have, this link shows you the place.</p>`
    : html`<p>Come back to this link to see what the hosts say.</p>`;
  const keeping = input.keptInBrowser
    ? html`<p>Keep it to yourself: whoever has it sees the hosts' reply to you. Its key was made in this browser and is kept here too; this node never had it.</p>
<p class="private-link"><a href="${input.replyUrl}" data-private-link="${event.naddr}">${input.replyUrl}</a></p>`
    : html`<p>Keep it to yourself: whoever has it sees the hosts' reply to you. It is not saved anywhere else.</p>
<p class="private-link"><a href="${input.replyUrl}">${input.replyUrl}</a></p>`;
  return page(
    { title: `Answer sent: ${event.title}`, noindex: true, script: input.keptInBrowser === true },
    html`<h1>Thank you — your answer is with the hosts</h1>
<p>For <a href="/e/${event.naddr}">${event.title}</a>, ${whenText(event.time)}.</p>
${approval}
<h2>Your private link</h2>
${keeping}`,
  );
}

export type ReplyState =
  | { kind: "waiting" }
  | { kind: "approved"; place: string | null; message: string }
  | { kind: "refused"; message: string };

function aboutEvent(event: PublicEvent | undefined): Html {
  return event
    ? html`<p>About <a href="/e/${event.naddr}">${event.title}</a>, ${whenText(event.time)}.</p>`
    : html``;
}

/**
 * `/reply?e=<naddr>#<secret>`: the private link of an answer sealed in the browser. The key is in
 * the fragment (or kept in this browser), so only the page's script can open the hosts' reply; it
 * replaces the heading and `#reply-state` with the same words as `replyPage`. Without JavaScript
 * the page says why it needs it and offers the way that works without.
 */
export function replyShellPage(input: {
  event: PublicEvent | undefined;
  naddr: string | null;
  /** The node's clock (unix seconds): the script signs its request for the reply with it. */
  now: number;
}): string {
  const { event } = input;
  const answerAgain = event
    ? html`<a href="/e/${event.naddr}">answer again on the event's page</a>`
    : html`answer again on the event's page`;
  return page(
    { title: "Your answer", noindex: true, script: true },
    html`<h1 id="reply-heading">Your answer</h1>${aboutEvent(event)}
<div id="reply-state" data-event="${input.naddr ?? ""}" data-now="${Math.floor(input.now)}" aria-live="polite">
<p>This page needs JavaScript. Your answer was sealed in your browser with a key made there, and the key never left it: it is the part of this link after “#”, which browsers do not send to this node. So only this page's script, in your browser, can open the hosts' reply.</p>
<p>Turn JavaScript on for this page, or ${answerAgain} with JavaScript off: this node then makes the key and seals your answer itself (it sees your name while doing so), and gives you a link that works without JavaScript.</p>
</div>`,
  );
}

export function replyPage(input: { state: ReplyState; event: PublicEvent | undefined }): string {
  const { state, event } = input;
  const about = aboutEvent(event);
  let body: Html;
  if (state.kind === "waiting") {
    body = html`<h1>Waiting for the hosts</h1>${about}<p>Your answer reached the hosts. They have not replied yet; come back to this link later.</p>`;
  } else if (state.kind === "approved") {
    body = html`<h1>Approved — see you there</h1>${about}
${state.place ? html`<p class="notice">The place is <strong>${state.place}</strong>.</p>` : html`<p>The hosts approved your answer.</p>`}
${state.message ? html`<h2>From the hosts</h2>${paragraphs(state.message)}` : ""}`;
  } else {
    body = html`<h1>Not approved</h1>${about}<p>The hosts could not take your answer this time.</p>
${state.message ? html`<h2>From the hosts</h2>${paragraphs(state.message)}` : ""}`;
  }
  return page({ title: "Your answer", noindex: true }, body);
}

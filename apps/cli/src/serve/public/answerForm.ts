/**
 * The answer form on an event page and the pages around it: the answer taken (with the private
 * link to come back to), and the private reply page (waiting, approved with the place, or not
 * approved). Plain HTML forms: they work without JavaScript.
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

export function answerForm(event: PublicEvent, values: AnswerValues, problems: readonly string[]): Html {
  return html`<section aria-labelledby="answer-heading">
<h2 id="answer-heading">Will you come?</h2>
${problemList(problems)}
<p>No account needed. Your name and contact go only to the hosts, encrypted.</p>
<form class="stack" method="post" action="/e/${event.naddr}/answer">
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

export function answerTakenPage(input: { event: PublicEvent; replyUrl: string }): string {
  const { event } = input;
  const approval = event.approval
    ? html`<p>The hosts approve answers for this event. Once they have, this link shows you the place.</p>`
    : html`<p>Come back to this link to see what the hosts say.</p>`;
  return page(
    { title: `Answer sent: ${event.title}`, noindex: true },
    html`<h1>Thank you — your answer is with the hosts</h1>
<p>For <a href="/e/${event.naddr}">${event.title}</a>, ${whenText(event.time)}.</p>
${approval}
<h2>Your private link</h2>
<p>Keep it to yourself: whoever has it sees the hosts' reply to you. It is not saved anywhere else.</p>
<p class="private-link"><a href="${input.replyUrl}">${input.replyUrl}</a></p>`,
  );
}

export type ReplyState =
  | { kind: "waiting" }
  | { kind: "approved"; place: string | null; message: string }
  | { kind: "refused"; message: string };

export function replyPage(input: { state: ReplyState; event: PublicEvent | undefined }): string {
  const { state, event } = input;
  const about = event
    ? html`<p>About <a href="/e/${event.naddr}">${event.title}</a>, ${whenText(event.time)}.</p>`
    : html``;
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

/**
 * The public pages as text: an event, a group, the directory of upcoming events, and plain
 * message pages (not found, bad input, too many answers). Everything people wrote is escaped
 * (`html.ts`); links to elsewhere are http(s) only and marked `nofollow ugc`.
 *
 * Runs in: Node (`rally serve`); pure.
 */
import { type AnswerValues, answerForm, EMPTY_ANSWER, problemList } from "./answerForm.ts";
import { type Html, html, paragraphs, safeLink } from "./html.ts";
import { page } from "./layout.ts";
import type { DirectoryFilter, PublicEvent, PublicProfile } from "./model.ts";
import { eventZone, isoStart, timeZones, whenText } from "./timeText.ts";

/** The group behind an event or page, as strangers see it. */
export interface Organiser {
  npub: string;
  /** Its public name (kind 0), else its calendar's title, else a short form of its npub. */
  name: string;
}

export interface EventPageInput {
  event: PublicEvent;
  organiser: Organiser;
  /** `http(s)://host[:port]` as readers reach this node. */
  origin: string;
  /** The zone the reader chose, if any. */
  readerTz: string | null;
  /** Over: no answer form. */
  ended: boolean;
  /** The node's clock (unix seconds): the page's script stamps an answer sealed in the browser with it. */
  now?: number;
  answer?: { values: AnswerValues; problems: string[] };
}

export const webcal = (origin: string, path: string) => `${origin.replace(/^https?:/, "webcal:")}${path}`;

function cancelledMark(event: PublicEvent): Html {
  return event.cancelled ? html`<p class="cancelled">CANCELLED</p>` : html``;
}

function zoneForm(action: string, selected: string | null, own: string): Html {
  const chosen = selected ?? own;
  return html`<form class="inline" method="get" action="${action}">
<label for="tz">Show times in
<select id="tz" name="tz">${timeZones().map(
    (z) => html`<option value="${z}"${z === chosen ? html` selected` : ""}>${z}</option>`,
  )}</select></label>
<button type="submit">Show</button>
</form>`;
}

function links(event: PublicEvent): Html {
  const safe = event.links.map(safeLink).filter((l): l is string => l !== null);
  if (safe.length === 0) return html``;
  return html`<h2>Links</h2><ul>${safe.map((l) => html`<li><a href="${l}" rel="nofollow ugc noopener">${l}</a></li>`)}</ul>`;
}

export function eventPage(input: EventPageInput): string {
  const { event, organiser, origin, readerTz } = input;
  const path = `/e/${event.naddr}`;
  const own = eventZone(event.time);
  const place = event.approval
    ? html`<dd>Shared with people the hosts approve. Answer below; your private link shows the place once you are approved.</dd>`
    : event.location
      ? html`<dd>${event.location}</dd>`
      : html`<dd>Not given</dd>`;
  const readerTime =
    !event.time.allDay && readerTz && readerTz !== own
      ? html`<dt>In ${readerTz}</dt><dd>${whenText(event.time, readerTz)}</dd>`
      : html``;
  const tags =
    event.hashtags.length > 0
      ? html`<dt>Tags</dt><dd>${event.hashtags.map((t, i) => html`${i > 0 ? ", " : ""}<a href="/events?tag=${encodeURIComponent(t)}">#${t}</a>`)}</dd>`
      : html``;
  const answer = input.ended
    ? html`<p class="notice">This event is over.</p>`
    : event.cancelled
      ? html`<p class="notice">This event is cancelled; answers are closed.</p>`
      : answerForm(event, input.answer?.values ?? EMPTY_ANSWER, input.answer?.problems ?? [], input.now);
  const image = safeLink(event.image);
  return page(
    {
      title: event.cancelled ? `CANCELLED: ${event.title}` : event.title,
      description: event.summary || event.description || `${whenText(event.time)} — ${organiser.name}`,
      url: `${origin}${path}`,
      image: image?.startsWith("https:") ? image : null,
      script: !input.ended && !event.cancelled,
    },
    html`<article>
${cancelledMark(event)}
<h1>${event.title}</h1>
${event.summary ? html`<p class="meta">${event.summary}</p>` : ""}
<dl class="facts">
<dt>When</dt><dd><time datetime="${isoStart(event.time)}">${whenText(event.time)}</time></dd>
${readerTime}
<dt>Where</dt>${place}
<dt>Organised by</dt><dd><a href="/g/${organiser.npub}">${organiser.name}</a></dd>
${tags}
</dl>
${event.time.allDay ? "" : zoneForm(path, readerTz, own)}
<p><a href="${path}.ics">Add to calendar</a> · <a href="${webcal(origin, `/g/${organiser.npub}.ics`)}">Subscribe to ${organiser.name}'s events</a></p>
${event.description ? html`<h2>About</h2>${paragraphs(event.description)}` : ""}
${links(event)}
</article>
${answer}`,
  );
}

function eventList(
  events: readonly PublicEvent[],
  organisers: (pubkey: string) => Organiser | undefined,
): Html {
  if (events.length === 0) return html`<p>No upcoming events.</p>`;
  return html`<ul class="events">${events.map((e) => {
    const org = organisers(e.pubkey);
    return html`<li>${e.cancelled ? html`<span class="cancelled">CANCELLED</span> ` : ""}<a href="/e/${e.naddr}"><strong>${e.title}</strong></a>
<br><span class="meta"><time datetime="${isoStart(e.time)}">${whenText(e.time)}</time>${e.location ? html` · ${e.location}` : ""}${org ? html` · by <a href="/g/${org.npub}">${org.name}</a>` : ""}</span></li>`;
  })}</ul>`;
}

export function groupPage(input: {
  organiser: Organiser;
  profile: PublicProfile | undefined;
  events: readonly PublicEvent[];
  origin: string;
}): string {
  const { organiser, profile, origin } = input;
  const path = `/g/${organiser.npub}`;
  const website = safeLink(profile?.website);
  const picture = safeLink(profile?.picture);
  return page(
    {
      title: organiser.name,
      description: profile?.about || `Upcoming events of ${organiser.name}`,
      url: `${origin}${path}`,
      image: picture?.startsWith("https:") ? picture : null,
    },
    html`<h1>${organiser.name}</h1>
${profile?.about ? paragraphs(profile.about) : ""}
${website ? html`<p><a href="${website}" rel="nofollow ugc noopener">${website}</a></p>` : ""}
<p><a href="${webcal(origin, `${path}.ics`)}">Subscribe to these events in your calendar</a> (or add <a href="${path}.ics">${origin}${path}.ics</a>)</p>
<h2>Upcoming events</h2>
${eventList(input.events, () => undefined)}`,
  );
}

export function directoryPage(input: {
  events: readonly PublicEvent[];
  organisers: ReadonlyMap<string, Organiser>;
  filter: DirectoryFilter;
  problems: string[];
  origin: string;
}): string {
  const { filter } = input;
  const query = new URLSearchParams();
  if (filter.tag) query.set("tag", filter.tag);
  if (filter.place) query.set("place", filter.place);
  const feed = `/events.ics${query.size > 0 ? `?${query}` : ""}`;
  return page(
    {
      title: "Upcoming public events",
      description: "Public events on this Rally node",
      url: `${input.origin}/events`,
    },
    html`<h1>Upcoming public events</h1>
${problemList(input.problems)}
<form class="inline" method="get" action="/events" role="search" aria-label="Filter events">
<label for="f-tag">Tag <input id="f-tag" name="tag" value="${filter.tag}" maxlength="200"></label>
<label for="f-place">Place <input id="f-place" name="place" value="${filter.place}" maxlength="200"></label>
<label for="f-from">From <input id="f-from" name="from" type="date" value="${filter.from}"></label>
<label for="f-to">To <input id="f-to" name="to" type="date" value="${filter.to}"></label>
<button type="submit">Filter</button>
</form>
<p><a href="${webcal(input.origin, feed)}">Subscribe to these events</a> (or add <a href="${feed}">${input.origin}${feed}</a>)</p>
${eventList(input.events, (pubkey) => input.organisers.get(pubkey))}`,
  );
}

export function messagePage(title: string, message: string, extra: Html = html``): string {
  return page({ title, noindex: true }, html`<h1>${title}</h1><p>${message}</p>${extra}`);
}

/**
 * The private reply page for a key made in the browser (`/reply?e=<naddr>#<secret hex>`): the key
 * comes from the link's fragment (never sent to the node) or, without one, from the key this
 * browser kept for the event. The page asks the node for the gift wraps to the key's PUBLIC key
 * (without naming the event; signed with the key, NIP-98, to show it holds it), opens them here, and counts only replies sealed by the event's group
 * about the event answered. It shows the same three states, in the same words, as the page the
 * node draws for its own links (answerForm.ts `replyPage`).
 *
 * Runs in: browsers (the public pages' script).
 */
import { type NostrEvent, openPublicReply, personFromSecretKey, signEvent } from "@rally/client";
import { nodeClock } from "./clock.ts";
import { answeredEvent, fromHex, keptKey } from "./keys.ts";

type Opened = ReturnType<typeof openPublicReply>;

function element(tag: string, text?: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (className) el.className = className;
  return el;
}

/** Paragraphs from plain text as the node draws them: blank lines part paragraphs, line breaks stay. */
function paragraphs(text: string): HTMLElement[] {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const para = element("p");
      p.split("\n").forEach((line, i) => {
        if (i > 0) para.append(element("br"));
        para.append(document.createTextNode(line));
      });
      return para;
    });
}

function fromHosts(message: string): HTMLElement[] {
  return message.trim() ? [element("h2", "From the hosts"), ...paragraphs(message)] : [];
}

function show(heading: string, parts: HTMLElement[]): void {
  const h1 = document.getElementById("reply-heading");
  if (h1) h1.textContent = heading;
  document.getElementById("reply-state")?.replaceChildren(...parts);
}

function showReply(newest: Opened | undefined): void {
  if (!newest) {
    show("Waiting for the hosts", [
      element("p", "Your answer reached the hosts. They have not replied yet; come back to this link later."),
    ]);
  } else if (newest.status === "approved") {
    let place: HTMLElement;
    if (newest.place) {
      place = element("p", "The place is ", "notice");
      place.append(element("strong", newest.place), document.createTextNode("."));
    } else place = element("p", "The hosts approved your answer.");
    show("Approved — see you there", [place, ...fromHosts(newest.message)]);
  } else {
    show("Not approved", [
      element("p", "The hosts could not take your answer this time."),
      ...fromHosts(newest.message),
    ]);
  }
}

export async function openReplyPage(root: HTMLElement): Promise<void> {
  const event = answeredEvent(root.dataset.event);
  let fragment = window.location.hash.slice(1);
  try {
    fragment = decodeURIComponent(fragment).trim();
  } catch {
    // Not percent-encoding: read as it is (fromHex refuses anything but 64 hex).
  }
  const secret = fromHex(fragment) ?? (event ? keptKey(event.address) : undefined);
  if (!secret) {
    show("This private link is not complete", [
      element(
        "p",
        "The key to your answer is missing from this link: check that you copied all of it, up to the end after “#”.",
      ),
    ]);
    return;
  }
  let pubkey: string;
  try {
    pubkey = personFromSecretKey(secret).pubkey;
  } catch {
    show("This private link is not valid", [element("p", "The key in this link is not a key.")]);
    return;
  }
  show("Opening the hosts' reply…", [element("p", "Opening the hosts' reply in your browser…")]);
  let wraps: NostrEvent[];
  try {
    // Only the key's holder may read its wraps (as on the relay): the request is signed with the
    // key (NIP-98), which proves it without sending the secret.
    const url = new URL(`/reply-wraps/${pubkey}`, window.location.href).href;
    const auth = signEvent(
      {
        kind: 27235,
        created_at: nodeClock(root)(),
        tags: [
          ["u", url],
          ["method", "GET"],
        ],
        content: "",
      },
      secret,
    );
    const response = await fetch(url, {
      headers: { Accept: "application/json", Authorization: `Nostr ${btoa(JSON.stringify(auth))}` },
      cache: "no-store",
      credentials: "omit",
    });
    if (!response.ok) throw new Error(String(response.status));
    const body = (await response.json()) as { wraps?: unknown };
    wraps = Array.isArray(body.wraps) ? (body.wraps as NostrEvent[]) : [];
  } catch {
    show("Could not reach this node", [
      element("p", "The hosts' reply could not be fetched just now; reload this page to try again."),
    ]);
    return;
  }
  let newest: Opened | undefined;
  for (const wrap of wraps) {
    try {
      const opened = openPublicReply(wrap, secret);
      // A reply about another event (sealed by another key that learnt this one) is not this answer's.
      if (event && opened.event !== event.address) continue;
      if (!newest || opened.at > newest.at) newest = opened;
    } catch {
      // Not a reply sealed by the event's group, or damaged: not shown.
    }
  }
  showReply(newest);
  root.dataset.opened = "true";
}

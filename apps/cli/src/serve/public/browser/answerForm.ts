/**
 * The answer form with JavaScript on (docs/PROTOCOL.md §20): the answer is sealed here, in the
 * browser, with a throwaway key made here and kept in localStorage for this event, and wrapped to
 * the group's public key read from the event's naddr. Only the signed gift wrap is sent, as the one
 * field `wrap` of a plain form post to the same address, so the node never sees the name or the
 * contact. A problem with what was typed is shown above the form, in the server's words.
 *
 * The wrap carries the proof of work every answer needs (NIP-13, about a second): it is mined here,
 * on the page, in slices of 25 ms with a turn of the event loop between them, so the page keeps
 * painting and "Sealing your answer…" shows meanwhile (no Web Worker: the page has none, and one
 * would be a second script for the node to build and serve, for about a second of work).
 *
 * Whenever this cannot be done (no storage for the key, an unexpected failure), the form is sent
 * as it is and the node seals the answer, as without JavaScript.
 *
 * Runs in: browsers (the public pages' script).
 */
import { generateSecretKey, MarmotError, type PublicAnswerStatus, wrapPublicAnswer } from "@rally/client";
import { nodeClock } from "./clock.ts";
import { answeredEvent, canKeepKeys, keepKey, keptKey, toHex } from "./keys.ts";

/** The same box the server draws for problems (answerForm.ts `problemList`). */
function showProblem(form: HTMLFormElement, problem: string): void {
  const section = form.closest("section") ?? form.parentElement;
  section?.querySelector(".problems")?.remove();
  const box = document.createElement("div");
  box.className = "problems";
  box.setAttribute("role", "alert");
  const intro = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = "Please check:";
  intro.append(strong);
  const list = document.createElement("ul");
  const item = document.createElement("li");
  item.textContent = problem;
  list.append(item);
  box.append(intro, list);
  form.before(box);
}

function text(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === "string" ? value : "";
}

/** Posts only the wrap, as a form (so the answer page comes back as a page, as without script). */
function postWrap(action: string, wrap: string): void {
  const post = document.createElement("form");
  post.method = "post";
  post.action = action;
  post.hidden = true;
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "wrap";
  field.value = wrap;
  post.append(field);
  document.body.append(post);
  post.submit();
}

/**
 * A turn of the event loop between slices of mining, by a message to this page rather than
 * `setTimeout` (which browsers hold back to 4 ms once timeouts nest): the page paints and takes
 * input, and little time is lost.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** "Sealing your answer…" beside the button while the work is mined; hidden otherwise. */
function sealingNote(form: HTMLFormElement): HTMLElement {
  const note = document.createElement("p");
  note.className = "sealing";
  note.setAttribute("role", "status");
  note.hidden = true;
  note.textContent = "Sealing your answer…";
  form.append(note);
  return note;
}

export function enhanceAnswerForm(form: HTMLFormElement): void {
  const event = answeredEvent(form.dataset.answer);
  if (!event || !canKeepKeys()) return;
  const now = nodeClock(form);
  const note = sealingNote(form);
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
  let sending = false;
  const sealing = (on: boolean) => {
    note.hidden = !on;
    if (button) button.disabled = on;
  };
  const seal = async (): Promise<void> => {
    const data = new FormData(form);
    const guests = text(data, "guests").trim() || "0";
    if (!/^\d{1,2}$/.test(guests)) return showProblem(form, "Guests must be a whole number from 0 to 20.");
    const secret = keptKey(event.address) ?? generateSecretKey();
    let wrap: string;
    sealing(true);
    try {
      wrap = JSON.stringify(
        await wrapPublicAnswer(
          {
            event: event.address,
            name: text(data, "name"),
            contact: text(data, "contact").trim() === "" ? null : text(data, "contact"),
            status: text(data, "status") as PublicAnswerStatus,
            guests: Number(guests),
            note: text(data, "note"),
          },
          secret,
          event.groupPubkey,
          now(),
          { pause: nextTask },
        ),
      );
    } catch (error) {
      sealing(false);
      if (error instanceof MarmotError) return showProblem(form, error.message);
      form.submit();
      return;
    }
    // The key must be kept before the answer leaves: it is the only way to the hosts' reply.
    if (!keepKey(event.address, secret)) {
      sealing(false);
      form.submit();
      return;
    }
    postWrap(form.action, wrap);
  };
  form.addEventListener("submit", (submit) => {
    submit.preventDefault();
    if (sending) return;
    sending = true;
    void seal().then(
      () => {
        // Still on this page (a problem shown): the form can be sent again.
        if (!note.hidden) return;
        sending = false;
      },
      () => {
        sending = false;
        sealing(false);
      },
    );
  });
  // Back from the next page (kept in the back-forward cache), the form can be sent again.
  window.addEventListener("pageshow", () => {
    sending = false;
    sealing(false);
  });
  form.dataset.sealsInBrowser = "true";
}

/** The answer-sent page: completes the private link with the key kept for that event. */
export function completePrivateLink(link: HTMLAnchorElement): void {
  const event = answeredEvent(link.dataset.privateLink);
  const secret = event ? keptKey(event.address) : undefined;
  if (!secret) return;
  const url = new URL(link.href);
  url.hash = toHex(secret);
  link.href = url.href;
  link.textContent = url.href;
}

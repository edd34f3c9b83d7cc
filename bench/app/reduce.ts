/**
 * How long does it take to compute a group's application state from its inner messages?
 * Builds a 10,000-message history (chat with replies and reactions, events with edits, RSVPs at
 * capacity, polls with votes) among 50 members, then times `reduceGroup` on it: with the id check
 * (each rumor re-hashed) and with `idsChecked` (the group layer already checked ids), in shuffled
 * order. Prints messages per second; the last line is the figure.
 *
 * Run: npx tsx bench/app/reduce.ts [messages]
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { getPublicKey } from "nostr-tools/pure";
import {
  buildCalendarEvent,
  buildChatMessage,
  buildPoll,
  buildPollResponse,
  buildReaction,
  buildRsvp,
  eventViews,
  type Rumor,
  type RumorEntry,
  reduceGroup,
} from "../../packages/protocol/src/app/index.ts";

const total = Number(process.argv[2] ?? 10_000);
const members = Array.from({ length: 50 }, (_, i) => getPublicKey(sha256(utf8ToBytes(`bench member ${i}`))));
const entries: RumorEntry[] = [];
const push = (rumor: Rumor) => entries.push({ rumor, sender: rumor.pubkey, epoch: 0 });

let rng = 42;
const next = (n: number) => {
  rng = (rng * 1103515245 + 12345) % 2 ** 31;
  // The high bits of a linear congruential generator are the random ones.
  return Math.floor((rng / 2 ** 31) * n);
};
const who = () => members[next(members.length)]!;

const chats: Rumor[] = [];
const events: { owner: string; d: string }[] = [];
const polls: Rumor[] = [];
for (let i = 0; entries.length < total; i++) {
  const t = 1_700_000_000 + i;
  const roll = next(100);
  if (roll < 60 || chats.length === 0) {
    const parent = chats.length > 0 && next(4) === 0 ? chats[next(chats.length)]! : null;
    const m = buildChatMessage({ pubkey: who(), createdAt: t, text: `message ${i}`, replyTo: parent });
    chats.push(m);
    push(m);
  } else if (roll < 75) {
    push(
      buildReaction({
        pubkey: who(),
        createdAt: t,
        target: chats[next(chats.length)]!,
        emoji: ["👍", "✊", "🎉"][next(3)]!,
      }),
    );
  } else if (roll < 80 || events.length === 0) {
    const owner =
      events.length > 0 && next(2) === 0 ? events[next(events.length)]! : { owner: who(), d: `ev${i}` };
    if (!events.includes(owner)) events.push(owner);
    push(
      buildCalendarEvent({
        pubkey: owner.owner,
        createdAt: t,
        d: owner.d,
        title: `Event ${owner.d}`,
        time: {
          allDay: false,
          start: 2_000_000_000 + i,
          end: null,
          tz: "Europe/Berlin",
          endTz: "Europe/Berlin",
        },
        capacity: 10,
      }),
    );
  } else if (roll < 93) {
    const ev = events[next(events.length)]!;
    const status = (["going", "going", "maybe", "declined"] as const)[next(4)]!;
    push(
      buildRsvp({
        pubkey: who(),
        createdAt: t,
        event: { kind: 31923, owner: ev.owner, d: ev.d },
        status,
        guests: status === "going" ? next(3) : 0,
      }),
    );
  } else if (roll < 95 || polls.length === 0) {
    const p = buildPoll({ pubkey: who(), createdAt: t, question: `Poll ${i}`, options: ["a", "b", "c"] });
    polls.push(p);
    push(p);
  } else {
    push(
      buildPollResponse({
        pubkey: who(),
        createdAt: t,
        poll: polls[next(polls.length)]!.id,
        choices: [String(next(3))],
      }),
    );
  }
}

const shuffled = [...entries];
for (let i = shuffled.length - 1; i > 0; i--) {
  const j = next(i + 1);
  [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
}
const context = { admins: [members[0]!], members };

function time(label: string, run: () => unknown): number {
  run(); // warm-up
  const rounds = 5;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) run();
  const ms = (performance.now() - start) / rounds;
  console.log(
    `${label}: ${ms.toFixed(1)} ms per reduce, ${Math.round((total / ms) * 1000).toLocaleString("en")} messages/s`,
  );
  return ms;
}

const state = reduceGroup(shuffled, context);
console.log(
  `${total} messages: ${state.messages.length} chat, ${state.events.length} events, ${state.polls.length} polls, ${state.ignored.length} ignored`,
);
time("reduceGroup, ids re-hashed", () => reduceGroup(shuffled, context));
time("eventViews", () => eventViews(state, members[1]!));
const trusted = time("reduceGroup, idsChecked", () => reduceGroup(shuffled, context, { idsChecked: true }));
console.log(`reduce ${total} messages (ids already checked): ${trusted.toFixed(1)} ms`);

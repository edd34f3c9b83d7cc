/**
 * The events the relay benchmarks send, the same for every relay or store compared in one run:
 * signed events to ingest (group messages under 100 rooms, and notes with mentions and a hashtag),
 * preloaded events with fake signatures for stores loaded directly (or signed, when a relay must take
 * them over WebSocket), and group messages for fan-out.
 */
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { finalizeEvent, setNostrWasm } from "nostr-tools/wasm";
import { initNostrWasm } from "nostr-wasm";

setNostrWasm(await initNostrWasm());

export type Ev = ReturnType<typeof finalizeEvent>;

const ROOMS = 100;

export interface Workload {
  authors: Uint8Array[];
  authorPks: string[];
  room(i: number): string;
  ingestEvents: Ev[];
  preload: Ev[];
  fanoutEvents: Ev[];
}

export function workload(opts: {
  now: number;
  events: number;
  preload: number;
  fanout: number;
  /** Sign the preloaded events (real ids and signatures) instead of faking them: slower to prepare. */
  signPreload?: boolean;
}): Workload {
  const { now } = opts;
  const authors = Array.from({ length: 20 }, () => generateSecretKey());
  const authorPks = authors.map((sk) => getPublicKey(sk));
  const room = (i: number) => `room-${i % ROOMS}`;

  const signed = (i: number, offset: number): Ev => {
    const kind = i % 3 === 0 ? 1 : 445;
    const tags =
      kind === 445
        ? [["h", room(i)]]
        : [
            ["p", authorPks[(i + 1) % authorPks.length]!],
            ["t", "bench"],
          ];
    return finalizeEvent(
      { kind, created_at: now - offset, tags, content: `ingest ${i} ${"x".repeat(200)}` },
      authors[i % authors.length]!,
    );
  };

  // Valid shape, fake ids and signatures: stores do not verify, these are loaded directly. Signed,
  // the same events get real ids (the fake ones count up from ff…f1, which queries by id rely on).
  const preload: Ev[] = [];
  for (let i = 0; i < opts.preload; i++) {
    const kind = i % 4 === 0 ? 1 : i % 4 === 1 ? 7 : 445;
    const pk = authorPks[i % authorPks.length]!;
    const tags =
      kind === 445
        ? [["h", room(i)]]
        : kind === 7
          ? [
              ["e", (i - 1).toString(16).padStart(64, "0")],
              ["p", pk],
            ]
          : [["t", "bench"]];
    const template = {
      created_at: now - 100_000 + i,
      kind,
      tags,
      content: `preloaded ${i} ${"y".repeat(150)}`,
    };
    preload.push(
      opts.signPreload
        ? finalizeEvent(template, authors[i % authors.length]!)
        : ({
            id: (i + 1).toString(16).padStart(64, "f"),
            pubkey: pk,
            ...template,
            sig: "0".repeat(128),
          } as Ev),
    );
  }

  return {
    authors,
    authorPks,
    room,
    ingestEvents: Array.from({ length: opts.events }, (_, i) => signed(i, 50_000 - i)),
    preload,
    fanoutEvents: Array.from({ length: opts.fanout }, (_, i) =>
      finalizeEvent(
        { kind: 445, created_at: now, tags: [["h", "fanout-room"]], content: `fan-out ${i}` },
        authors[0]!,
      ),
    ),
  };
}

/**
 * The protocol package's NIP-77 client (`negentropySync`) against the real relay process: a client
 * with part of a group's messages learns exactly what it lacks and what the relay lacks, fetches
 * the missing ones, and is told plainly when the relay refuses (a stranger asking for gift wraps).
 */
import { type EventId, negentropySync } from "@rally/protocol/nostr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";

let relay: RelayHandle;
let s: NostrSocket;
const T0 = 1_700_000_000;
const sorted = (xs: readonly string[]) => [...xs].sort();

beforeAll(async () => {
  relay = await startRelay();
  s = await NostrSocket.open(relay.url);
});
afterAll(async () => {
  await s?.close();
  await relay?.stop();
});

function over(sock: NostrSocket, subId: string) {
  return {
    send: (frame: string) => sock.send(frame),
    receive: () => sock.next((m) => (m[0] === "NEG-MSG" || m[0] === "NEG-ERR") && m[1] === subId),
  };
}

describe("negentropySync against the relay", () => {
  it("learns exactly the missing ids, and what the relay lacks", async () => {
    const member = newSigner();
    const room = "a1b2c3";
    const events = Array.from({ length: 300 }, (_, i) =>
      member.sign({ kind: 445, tags: [["h", room]], content: `m${i}`, created_at: T0 + (i % 11) }),
    );
    for (const e of events) expect((await s.publish(e))[2]).toBe(true);
    const missing = events.filter((_, i) => i % 13 === 0);
    const unsent = member.sign({ kind: 445, tags: [["h", room]], content: "unsent", created_at: T0 });
    const records = [...events.filter((_, i) => i % 13 !== 0), unsent].map((e) => ({
      id: e.id as EventId,
      created_at: e.created_at,
    }));
    const filter = { kinds: [445], "#h": [room] };
    const r = await negentropySync({ subId: "c1", filter, records, ...over(s, "c1") });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(sorted(r.value.need)).toEqual(sorted(missing.map((e) => e.id)));
    expect(r.value.have).toEqual([unsent.id]);
    const fetched = await s.req("fetch", { ids: r.value.need });
    expect(sorted(fetched.events.map((e) => e.id as string))).toEqual(sorted(r.value.need));
  });

  it("passes on the relay's refusal", async () => {
    const stranger = await NostrSocket.open(relay.url);
    const r = await negentropySync({
      subId: "wraps",
      filter: { kinds: [1059], "#p": [newSigner().pubkey] },
      records: [],
      ...over(stranger, "wraps"),
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe("refused");
      expect(r.error.message).toMatch(/^auth-required: /);
    }
    await stranger.close();
  });
});

/**
 * Older versions of replaceable (0, 3, 10000–19999) and addressable (30000–39999) events against
 * the real `rally relay` process: when a newer version is stored, an older one is answered
 * `OK false` "replaced: have newer event" (as strfry answers), is not stored, and the newer one
 * stays what readers get. Among versions with the same `created_at`, NIP-01 keeps the lowest id.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner, type Signer } from "./support/nostrSocket.ts";

let relay: RelayHandle;
let s: NostrSocket;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  relay = await startRelay();
  s = await NostrSocket.open(relay.url);
});
afterAll(async () => {
  await s?.close();
  await relay?.stop();
});

const REPLACED = ["OK", expect.any(String), false, "replaced: have newer event"];

/** What a REQ for this author's events of `kind` returns, as contents. */
async function stored(sub: string, signer: Signer, kind: number): Promise<string[]> {
  const { events } = await s.req(sub, { authors: [signer.pubkey], kinds: [kind] });
  return events.map((e) => (e as { content: string }).content);
}

const cases: { name: string; kind: number; tags: string[][] }[] = [
  { name: "replaceable (kind 0)", kind: 0, tags: [] },
  { name: "replaceable (kind 10050)", kind: 10050, tags: [["relay", "wss://a.example"]] },
  { name: "addressable (kind 30023, d=x)", kind: 30023, tags: [["d", "x"]] },
];

describe.each(cases)("an older $name after a newer one", ({ kind, tags }) => {
  it("is refused with replaced:, not stored, and the newer one stays", async () => {
    const a = newSigner();
    const t = now() - 100;
    const older = a.sign({ kind, tags, created_at: t, content: "older" });
    const newer = a.sign({ kind, tags, created_at: t + 50, content: "newer" });
    const olderUnseen = a.sign({ kind, tags, created_at: t + 20, content: "older, never seen" });
    expect(await s.publish(older)).toEqual(["OK", older.id, true, ""]);
    expect(await s.publish(newer)).toEqual(["OK", newer.id, true, ""]);
    // Seen before (and replaced since), and never seen: the same answer.
    expect(await s.publish(older)).toEqual(REPLACED);
    expect(await s.publish(olderUnseen)).toEqual(REPLACED);
    // The newer one itself again is a plain duplicate, accepted.
    const again = await s.publish(newer);
    expect(again[2]).toBe(true);
    expect(again[3]).toMatch(/^duplicate: /);
    expect(await stored(`k${kind}`, a, kind)).toEqual(["newer"]);
    const byId = await s.req(`ids${kind}`, { ids: [older.id, olderUnseen.id] });
    expect(byId.events).toEqual([]);
  });

  it("breaks a created_at tie by the lowest id, as NIP-01 says", async () => {
    const a = newSigner();
    const t = now() - 100;
    const [low, high] = [
      a.sign({ kind, tags, created_at: t, content: "one" }),
      a.sign({ kind, tags, created_at: t, content: "two" }),
    ].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(await s.publish(low!)).toEqual(["OK", low!.id, true, ""]);
    expect(await s.publish(high!)).toEqual(["OK", high!.id, false, "replaced: have newer event"]);
    expect(await stored(`tie${kind}`, a, kind)).toEqual([low!.content]);

    // The other way round: the lower id arriving second replaces the higher one.
    const b = newSigner();
    const [low2, high2] = [
      b.sign({ kind, tags, created_at: t, content: "one" }),
      b.sign({ kind, tags, created_at: t, content: "two" }),
    ].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(await s.publish(high2!)).toEqual(["OK", high2!.id, true, ""]);
    expect(await s.publish(low2!)).toEqual(["OK", low2!.id, true, ""]);
    expect(await stored(`tie2${kind}`, b, kind)).toEqual([low2!.content]);
  });
});

describe("versions that do not compete", () => {
  it("keeps an older addressable event under another d tag, and another author's", async () => {
    const a = newSigner();
    const b = newSigner();
    const t = now() - 100;
    expect((await s.publish(a.sign({ kind: 30023, tags: [["d", "x"]], created_at: t + 10 })))[2]).toBe(true);
    expect((await s.publish(a.sign({ kind: 30023, tags: [["d", "y"]], created_at: t })))[2]).toBe(true);
    expect((await s.publish(b.sign({ kind: 30023, tags: [["d", "x"]], created_at: t })))[2]).toBe(true);
  });
});

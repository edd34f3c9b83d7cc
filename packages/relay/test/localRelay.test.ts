/**
 * `RelayServer.local`: what pages served on the relay's own port use — reading stored events, and
 * handing in an event as if a client had sent it (same checks, stored, live subscribers told).
 */

import type { NostrEvent } from "@rally/protocol/nostr";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { silentLog } from "../src/log.ts";
import { type RelayServer, startRelayServer } from "../src/server.ts";

let server: RelayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const sign = (content: string, created_at = Math.floor(Date.now() / 1000)) =>
  finalizeEvent(
    { kind: 1, content, tags: [["t", "local"]], created_at },
    generateSecretKey(),
  ) as unknown as NostrEvent;

describe("the relay from inside its process", () => {
  it("stores a handed-in event and sends it to a live subscription", async () => {
    server = await startRelayServer({ port: 0, log: silentLog });
    const ws = new WebSocket(server.url);
    const live = new Promise<unknown[]>((resolve, reject) => {
      ws.on("message", (d) => {
        const m = JSON.parse(d.toString()) as unknown[];
        if (m[0] === "EVENT") resolve(m);
      });
      ws.on("error", reject);
    });
    await new Promise<void>((resolve) => ws.on("open", () => resolve()));
    ws.send(JSON.stringify(["REQ", "s", { "#t": ["local"] }]));
    await new Promise<void>((resolve) => ws.on("message", (d) => d.toString().includes("EOSE") && resolve()));

    const event = sign("from a page");
    expect(await server.local.publish(event)).toEqual({ accepted: true, message: "" });
    expect(((await live)[2] as { id: string }).id).toBe(event.id);
    expect((await server.local.query({ ids: [event.id] })).map((e) => e.content)).toEqual(["from a page"]);
    expect((await server.local.publish(event)).message).toMatch(/^duplicate:/);
    ws.close();
  });

  it("refuses what a client would be refused: a bad signature, a time too far ahead", async () => {
    server = await startRelayServer({ port: 0, log: silentLog });
    const forged = { ...sign("real"), content: "changed" };
    expect(await server.local.publish(forged)).toMatchObject({ accepted: false });
    const future = sign("later", Math.floor(Date.now() / 1000) + 86_400 * 30);
    expect((await server.local.publish(future)).accepted).toBe(false);
    expect(await server.local.query({ kinds: [1] })).toEqual([]);
  });
});

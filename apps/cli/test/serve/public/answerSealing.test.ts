/**
 * What sealing an answer for a person without JavaScript may cost this node, over a real relay and
 * its public pages in this process: a request whose connection closes while its answer is being
 * mined stops there (nothing stored, its slot given back), and past the node's hourly budget of
 * sealed answers the form is answered 503 with Retry-After in plain words.
 */
import http from "node:http";
import { generateSecretKey, naddrOf, personFromSecretKey, signEvent } from "@rally/client";
import { type RelayServer, startRelayServer } from "@rally/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PublicPagesOptions, publicPagesHandler } from "../../../src/serve/public/handler.ts";
import { SealingSlots } from "../../../src/serve/public/sealingSlots.ts";

let server: RelayServer;
let pages: (req: http.IncomingMessage, res: http.ServerResponse) => boolean = () => false;
/** Told when the response to a request closes (before the page's own listeners hear of it). */
let onResponseClose: () => void = () => {};

const group = generateSecretKey();
const groupKey = personFromSecretKey(group).pubkey;
const D = "d4".repeat(16);
const naddr = naddrOf({ kind: 31923, pubkey: groupKey, identifier: D });
const web = () => server.url.replace(/^ws/, "http");

function handlerWith(options: Partial<PublicPagesOptions>): typeof pages {
  return publicPagesHandler({ relay: () => server.local, fallbackOrigin: web, ...options });
}

beforeAll(async () => {
  server = await startRelayServer({
    port: 0,
    host: "127.0.0.1",
    http: (req, res) => {
      res.once("close", () => onResponseClose());
      return pages(req, res);
    },
  });
  const now = server.local.now();
  for (const template of [
    {
      kind: 31924,
      created_at: now,
      tags: [
        ["d", "rally"],
        ["title", "Allotment"],
      ],
      content: "",
    },
    {
      kind: 31923,
      created_at: now,
      tags: [
        ["d", D],
        ["title", "Seed swap"],
        ["start", String(now + 30 * 86_400)],
        ["start_tzid", "Europe/Berlin"],
        ["location", "Shed 3"],
        ["a", `31924:${groupKey}:rally`],
      ],
      content: "",
    },
  ]) {
    expect(await server.local.publish(signEvent(template, group))).toEqual({ accepted: true, message: "" });
  }
});
afterAll(() => server?.close());

/** Posts the form; `request` is the client side, to abort. */
function post(name: string): {
  request: http.ClientRequest;
  response: Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }>;
} {
  const body = new URLSearchParams({ name, status: "going" }).toString();
  const request = http.request(`${web()}/e/${naddr}/answer`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "content-length": Buffer.byteLength(body),
    },
  });
  const response = new Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }>(
    (resolve, reject) => {
      request.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      });
      request.on("error", reject);
    },
  );
  request.end(body);
  return { request, response };
}

const storedWraps = () => server.local.query({ kinds: [1059], "#p": [groupKey] });

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(done()).toBe(true);
}

describe("answers this node seals", { timeout: 60_000 }, () => {
  it("stops mining when the person's connection closes: nothing stored, the slot given back", async () => {
    const sealing = new SealingSlots(1);
    let mining!: () => void;
    const started = new Promise<void>((r) => {
      mining = r;
    });
    let letGo!: () => void;
    const held = new Promise<void>((r) => {
      letGo = r;
    });
    let hold = true;
    pages = handlerWith({
      sealing,
      // Holds the first slice's pause until the request is gone, so the closing lands mid-mining.
      pause: async () => {
        mining();
        if (hold) await held;
        await new Promise((r) => setTimeout(r, 0));
      },
    });
    const closed = new Promise<void>((r) => {
      onResponseClose = r;
    });
    const aborted = post("Gives up");
    aborted.response.catch(() => {});
    await started;
    expect(sealing.inUse).toBe(1);
    aborted.request.destroy();
    await closed;
    hold = false;
    letGo();
    await until(() => sealing.inUse === 0);
    expect(await storedWraps()).toEqual([]);

    // The same form kept open is sealed and stored, in the slot the first one gave back.
    onResponseClose = () => {};
    const kept = await post("Stays").response;
    expect(kept.status).toBe(200);
    expect(await storedWraps()).toHaveLength(1);
    expect(sealing.inUse).toBe(0);
  });

  it("past the node's answers per hour, says so with 503 and Retry-After; the slot is not held", async () => {
    const sealing = new SealingSlots();
    pages = handlerWith({ sealing, sealedPerHour: 1 });
    const before = (await storedWraps()).length;
    expect((await post("First").response).status).toBe(200);
    const second = await post("Second").response;
    expect(second.status).toBe(503);
    expect(Number(second.headers["retry-after"])).toBeGreaterThan(0);
    expect(second.text).toContain("sealed as many answers as it can this hour");
    expect(sealing.inUse).toBe(0);
    expect(await storedWraps()).toHaveLength(before + 1);
  });
});

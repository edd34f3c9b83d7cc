/**
 * A WebSocket relay in front of the real relay process that hands every frame on unchanged and
 * writes down what each client connection sent: tests read which REQs a relay sees on which
 * connection, and which events leave on which.
 */
import WebSocket, { WebSocketServer } from "ws";

export interface TappedFrame {
  /** The client connection (1, 2, … in the order they opened). */
  conn: number;
  /** The parsed NIP-01 message the client sent. */
  msg: unknown[];
}

export interface WireTap {
  /** `ws://127.0.0.1:<port>`, to give clients as a relay address. */
  url: string;
  frames: TappedFrame[];
  /** Client connections that have ended. */
  ended: Set<number>;
  /** Ends every connection now, as a network that went away would. */
  dropAll(): void;
  close(): Promise<void>;
}

/**
 * `port` 0 picks a free one. A relay that serves gift wraps only after NIP-42 AUTH checks the
 * AUTH's relay tag against its own addresses: start it with `--public-url ws://127.0.0.1:<port>`
 * naming the tap, and give the tap that port.
 */
export async function startWireTap(upstream: string, port = 0): Promise<WireTap> {
  const server = new WebSocketServer({ host: "127.0.0.1", port });
  await new Promise<void>((r) => server.once("listening", () => r()));
  const address = server.address();
  const listening = typeof address === "object" && address ? address.port : 0;
  const frames: TappedFrame[] = [];
  const ended = new Set<number>();
  let conns = 0;
  server.on("connection", (client, request) => {
    const conn = ++conns;
    // The client's Host goes on: the relay checks NIP-42 AUTH against the address the client used.
    const host = request.headers.host;
    const relay = new WebSocket(upstream, host ? { headers: { host } } : {});
    const early: string[] = [];
    relay.on("open", () => {
      for (const f of early.splice(0)) relay.send(f);
    });
    relay.on("message", (data) => {
      if (client.readyState === WebSocket.OPEN) client.send(data.toString());
    });
    client.on("message", (data) => {
      const text = data.toString();
      try {
        const msg = JSON.parse(text) as unknown;
        if (Array.isArray(msg)) frames.push({ conn, msg });
      } catch {
        // Not JSON: handed on all the same, the relay answers it.
      }
      if (relay.readyState === WebSocket.OPEN) relay.send(text);
      else early.push(text);
    });
    const end = () => {
      ended.add(conn);
      client.close();
      relay.close();
    };
    client.on("close", end);
    relay.on("close", end);
    client.on("error", end);
    relay.on("error", end);
  });
  return {
    url: `ws://127.0.0.1:${listening}`,
    frames,
    ended,
    dropAll: () => {
      for (const c of server.clients) c.terminate();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of server.clients) c.terminate();
        server.close(() => r());
      }),
  };
}

/** The REQs a connection sent and has not CLOSEd (its live subscriptions), with their filters. */
export function openReqs(tap: WireTap): { conn: number; id: string; filters: Record<string, unknown>[] }[] {
  const open = new Map<string, { conn: number; id: string; filters: Record<string, unknown>[] }>();
  for (const { conn, msg } of tap.frames) {
    const [type, id] = msg;
    if (typeof id !== "string") continue;
    const key = `${conn} ${id}`;
    if (type === "REQ") open.set(key, { conn, id, filters: msg.slice(2) as Record<string, unknown>[] });
    else if (type === "CLOSE") open.delete(key);
  }
  return [...open.values()].filter((r) => !tap.ended.has(r.conn));
}

/** The routing tags (`#h`) a REQ's filters ask for. */
export function tagsOf(filters: Record<string, unknown>[]): string[] {
  return filters.flatMap((f) => (Array.isArray(f["#h"]) ? (f["#h"] as string[]) : []));
}

/**
 * A raw NIP-01 test client over a real WebSocket: sends frames as given (valid or not) and waits
 * for specific relay messages, so tests can see exactly what the relay answers.
 */
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { finalizeEvent, setNostrWasm } from "nostr-tools/wasm";
import { initNostrWasm } from "nostr-wasm";
import WebSocket from "ws";

// Sign with libsecp256k1 in WASM: tests that need thousands of events stay quick.
setNostrWasm(await initNostrWasm());

export type RelayMsg = [string, ...unknown[]];

export class NostrSocket {
  readonly messages: RelayMsg[] = [];
  private waiters: { pred: (m: RelayMsg) => boolean; resolve: (m: RelayMsg) => void }[] = [];
  closed: { code: number; reason: string } | undefined;
  private closeWaiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString()) as RelayMsg;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.closeWaiters) w();
    });
    ws.on("error", () => {});
  }

  /**
   * `localAddress` (e.g. 127.0.0.2) makes the client come from another loopback address; `headers`
   * go with the upgrade request (e.g. a `Host` of the client's choosing).
   */
  static open(
    url: string,
    options: { localAddress?: string; headers?: Record<string, string> } = {},
  ): Promise<NostrSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
      });
      const s = new NostrSocket(ws);
      ws.once("open", () => resolve(s));
      ws.once("error", reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next message (already received or future) satisfying `pred`. */
  next(pred: (m: RelayMsg) => boolean, timeoutMs = 10_000): Promise<RelayMsg> {
    const found = this.messages.find(pred);
    if (found) {
      this.messages.splice(this.messages.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching relay message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 2000)}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          this.messages.splice(this.messages.indexOf(m), 1);
          resolve(m);
        },
      });
    });
  }

  ok(id: string): Promise<[string, string, boolean, string]> {
    return this.next((m) => m[0] === "OK" && m[1] === id) as Promise<[string, string, boolean, string]>;
  }

  /** Publishes and waits for the OK. */
  async publish(event: { id: string }): Promise<[string, string, boolean, string]> {
    this.send(["EVENT", event]);
    return this.ok(event.id);
  }

  /** Sends a REQ and collects the stored events up to EOSE (or the CLOSED that refuses it). */
  async req(
    subId: string,
    ...filters: object[]
  ): Promise<{ events: Record<string, unknown>[]; closed?: string }> {
    this.send(["REQ", subId, ...filters]);
    const events: Record<string, unknown>[] = [];
    for (;;) {
      const m = await this.next(
        (x) => (x[0] === "EVENT" || x[0] === "EOSE" || x[0] === "CLOSED") && x[1] === subId,
      );
      if (m[0] === "EOSE") return { events };
      if (m[0] === "CLOSED") return { events, closed: m[2] as string };
      events.push(m[2] as Record<string, unknown>);
    }
  }

  challenge(): Promise<string> {
    return this.next((m) => m[0] === "AUTH").then((m) => {
      this.messages.unshift(m); // keep it available for later calls
      return m[1] as string;
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      this.ws.close();
    });
  }

  waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("socket did not close")), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve(this.closed!);
      });
    });
  }
}

export interface Signer {
  sk: Uint8Array;
  pubkey: string;
  sign(t: {
    kind: number;
    content?: string;
    tags?: string[][];
    created_at?: number;
  }): ReturnType<typeof finalizeEvent>;
}

export function newSigner(): Signer {
  const sk = generateSecretKey();
  return {
    sk,
    pubkey: getPublicKey(sk),
    sign: (t) =>
      finalizeEvent(
        {
          kind: t.kind,
          content: t.content ?? "",
          tags: t.tags ?? [],
          created_at: t.created_at ?? Math.floor(Date.now() / 1000),
        },
        sk,
      ),
  };
}

/** Answers the relay's NIP-42 challenge as `signer`; resolves to the OK. */
export async function authenticate(s: NostrSocket, url: string, signer: Signer) {
  const challenge = await s.challenge();
  const ev = signer.sign({
    kind: 22242,
    tags: [
      ["relay", url],
      ["challenge", challenge],
    ],
  });
  s.send(["AUTH", ev]);
  return s.ok(ev.id);
}

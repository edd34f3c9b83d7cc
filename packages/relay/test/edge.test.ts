/**
 * The relay as a node on the internet, in process over real sockets: NIP-42 answers are checked
 * against the configured public URLs and the listening address only (an AUTH made for another
 * relay is refused, whatever `Host` header the connection sent), TLS with Node's own `https`, and
 * the security headers every HTTP response carries.
 */
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { get, makeSelfSigned } from "../../../tests/helpers/selfSigned.ts";
import { authHosts, certificateNames, isLoopbackHost } from "../src/authHosts.ts";
import { silentLog } from "../src/log.ts";
import { type RelayServer, startRelayServer } from "../src/server.ts";

let server: RelayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const tls = makeSelfSigned();
afterAll(() => tls.remove());

/** A connection that keeps every message, with a way to wait for one. */
async function connect(url: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, options);
  const got: unknown[][] = [];
  const waiters: { pred: (m: unknown[]) => boolean; resolve: (m: unknown[]) => void }[] = [];
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString()) as unknown[];
    got.push(m);
    for (const w of waiters.splice(0)) {
      if (w.pred(m)) w.resolve(m);
      else waiters.push(w);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const next = (pred: (m: unknown[]) => boolean): Promise<unknown[]> =>
    new Promise<unknown[]>((resolve) => {
      const found = got.find(pred);
      if (found) {
        got.splice(got.indexOf(found), 1);
        resolve(found);
      } else waiters.push({ pred, resolve });
    });
  // NIP-42: one challenge per connection, sent when it opens; every answer on it uses that one.
  const challenge = next((m) => m[0] === "AUTH").then((m) => m[1] as string);
  return { ws, next, challenge };
}

/** Answers the connection's challenge with an AUTH made for `relayUrl`; resolves to the OK. */
async function authFor(conn: Awaited<ReturnType<typeof connect>>, relayUrl: string) {
  const challenge = await conn.challenge;
  const auth = finalizeEvent(
    {
      kind: 22242,
      content: "",
      created_at: Math.floor(Date.now() / 1000),
      tags: [
        ["relay", relayUrl],
        ["challenge", challenge],
      ],
    },
    generateSecretKey(),
  );
  conn.ws.send(JSON.stringify(["AUTH", auth]));
  return conn.next((m) => m[0] === "OK" && m[1] === auth.id);
}

const REFUSED = [false, "invalid: auth event relay tag does not name this relay"];

describe("NIP-42 relay tag", () => {
  it("refuses an AUTH made for another relay, even when the Host header names that relay", async () => {
    const logs: string[] = [];
    server = await startRelayServer({ port: 0, log: (line) => logs.push(line) });
    // What another relay's operator does: connect here as "evil.example", pass the challenge to a
    // person who signs it for the relay they think they talk to.
    const attacker = await connect(server.url, { headers: { Host: "evil.example" } });
    expect((await authFor(attacker, "ws://evil.example")).slice(2)).toEqual(REFUSED);
    expect((await authFor(attacker, "wss://evil.example")).slice(2)).toEqual(REFUSED);
    expect((await authFor(attacker, "wss://evil\u001b[2J.example")).slice(2)).toEqual(REFUSED);
    // Made for this relay's listening address: accepted, also on that connection.
    expect((await authFor(attacker, server.url)).slice(2)).toEqual([true, ""]);
    attacker.ws.close();
    // The operator learns once which name sign-ins were made for (a proxy without a public URL
    // looks the same); a name with control characters is not written to the log.
    expect(logs.filter((l) => l.includes("sign-in"))).toEqual([
      "refused a sign-in (NIP-42) made for evil.example, which is not one of this relay's addresses; if people reach the relay there through a reverse proxy, start it with --public-url wss://evil.example",
    ]);
  });

  it("accepts the configured public URLs and the listening address, and nothing else", async () => {
    server = await startRelayServer({
      port: 0,
      log: silentLog,
      publicUrl: "wss://relay.example.org",
      publicUrls: ["https://rally.example.net/"],
    });
    const conn = await connect(server.url, { headers: { Host: "relay.example.com" } });
    for (const url of [
      "wss://relay.example.org",
      "wss://relay.example.org:443/",
      "wss://rally.example.net",
      server.url,
      `ws://localhost:${server.port}`,
    ])
      expect((await authFor(conn, url)).slice(2), url).toEqual([true, ""]);
    for (const url of [
      "wss://relay.example.com",
      "wss://relay.example.org:8443",
      "wss://sub.relay.example.org",
      `ws://127.0.0.1:${server.port + 1}`,
      `ws://192.0.2.1:${server.port}`,
      "not a url",
    ])
      expect((await authFor(conn, url)).slice(2), url).toEqual(REFUSED);
    conn.ws.close();
  });

  it("lists each interface address for a wildcard listener and a certificate's names under TLS", () => {
    expect(
      authHosts({
        publicUrls: [],
        host: "0.0.0.0",
        port: 7447,
        secure: false,
        interfaces: () => ["127.0.0.1", "192.0.2.7", "fe80::1"],
      }),
    ).toEqual(["127.0.0.1:7447", "192.0.2.7:7447", "[fe80::1]:7447", "localhost:7447"]);
    expect(authHosts({ publicUrls: [], host: "localhost", port: 7447, secure: false })).toEqual([
      "localhost:7447",
      "127.0.0.1:7447",
      "[::1]:7447",
    ]);
    expect(
      authHosts({ publicUrls: ["wss://r.example"], host: "192.0.2.7", port: 443, secure: true }),
    ).toEqual(["r.example", "192.0.2.7"]);
    const wildcard = makeSelfSigned(["DNS:node.example", "DNS:*.example", "IP:192.0.2.9"]);
    try {
      expect(certificateNames(wildcard.cert)).toEqual(["node.example", "192.0.2.9"]);
      expect(
        authHosts({
          publicUrls: [],
          host: "127.0.0.1",
          port: 8443,
          secure: true,
          certificate: wildcard.cert,
        }),
      ).toEqual(["127.0.0.1:8443", "localhost:8443", "node.example:8443", "192.0.2.9:8443"]);
    } finally {
      wildcard.remove();
    }
    expect(
      ["127.0.0.1", "127.3.0.1", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"].map(isLoopbackHost),
    ).toEqual([true, true, true, true, true, true]);
    expect(["0.0.0.0", "::", "192.168.1.2", "example.org", "localhost.example"].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe("TLS", () => {
  it("speaks wss:// and https:// with Node's TLS, and sends HSTS", async () => {
    server = await startRelayServer({ port: 0, log: silentLog, tls: { cert: tls.cert, key: tls.key } });
    expect(server.url).toBe(`wss://127.0.0.1:${server.port}`);
    const conn = await connect(server.url, { ca: tls.cert });
    const e = finalizeEvent(
      { kind: 1, content: "over TLS", tags: [], created_at: Math.floor(Date.now() / 1000) },
      generateSecretKey(),
    );
    conn.ws.send(JSON.stringify(["EVENT", e]));
    expect(await conn.next((m) => m[0] === "OK")).toEqual(["OK", e.id, true, ""]);
    expect((await authFor(conn, `wss://localhost:${server.port}`)).slice(2)).toEqual([true, ""]);
    expect((await authFor(conn, `wss://127.0.0.1:${server.port}`)).slice(2)).toEqual([true, ""]);
    expect((await authFor(conn, `wss://example.org:${server.port}`)).slice(2)).toEqual(REFUSED);
    conn.ws.close();
    const info = await get(`https://127.0.0.1:${server.port}/`, {
      ca: tls.cert,
      headers: { Accept: "application/nostr+json" },
    });
    expect(JSON.parse(info.body).supported_nips).toContain(42);
    expect(info.headers["strict-transport-security"]).toBe("max-age=31536000");
    // A client that does not trust the certificate gets no connection.
    await expect(get(`https://127.0.0.1:${server.port}/`)).rejects.toThrow(/self-signed|certificate/);
    // Plain HTTP on the TLS port is not answered as HTTP.
    await expect(get(`http://127.0.0.1:${server.port}/`)).rejects.toThrow();
  });
});

describe("security headers", () => {
  it("are on every response: the relay's own, a handler's (keeping its CSP), errors", async () => {
    server = await startRelayServer({
      port: 0,
      log: silentLog,
      http: (req, res) => {
        if (req.url === "/page") {
          res
            .writeHead(200, { "Content-Type": "text/html", "Content-Security-Policy": "default-src 'self'" })
            .end("<p>page</p>");
          return true;
        }
        if (req.url === "/boom") throw new Error("handler bug");
        return false;
      },
    });
    const base = `http://127.0.0.1:${server.port}`;
    const responses = {
      root: await get(`${base}/`),
      missing: await get(`${base}/missing`),
      nip11: await get(`${base}/`, { headers: { Accept: "application/nostr+json" } }),
      options: await get(`${base}/`, { method: "OPTIONS" }),
      error: await get(`${base}/boom`),
      page: await get(`${base}/page`),
    };
    expect(Object.fromEntries(Object.entries(responses).map(([k, r]) => [k, r.status]))).toEqual({
      root: 200,
      missing: 404,
      nip11: 200,
      options: 204,
      error: 500,
      page: 200,
    });
    for (const [name, r] of Object.entries(responses)) {
      expect(r.headers["x-content-type-options"], name).toBe("nosniff");
      expect(r.headers["referrer-policy"], name).toBe("no-referrer");
      expect(r.headers["x-frame-options"], name).toBe("DENY");
      expect(r.headers["strict-transport-security"], name).toBeUndefined();
      if (name !== "page")
        expect(r.headers["content-security-policy"], name).toMatch(/frame-ancestors 'none'/);
    }
    expect(responses.nip11.headers["content-security-policy"]).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(responses.page.headers["content-security-policy"]).toBe("default-src 'self'");
  });

  it("include HSTS behind a proxy that speaks HTTPS (a wss:// public URL)", async () => {
    server = await startRelayServer({ port: 0, log: silentLog, publicUrl: "wss://relay.example.org" });
    const r = await get(`http://127.0.0.1:${server.port}/missing`);
    expect(r.headers["strict-transport-security"]).toBe("max-age=31536000");
  });
});

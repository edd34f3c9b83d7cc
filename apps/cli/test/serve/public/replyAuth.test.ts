import { generateSecretKey, personFromSecretKey, signEvent } from "@rally/client";
import { describe, expect, it } from "vitest";
import { AUTH_WINDOW, checkReplyAuth } from "../../../src/serve/public/replyAuth.ts";

const NOW = 1_900_000_000;
const secret = generateSecretKey();
const pubkey = personFromSecretKey(secret).pubkey;
const path = `/reply-wraps/${pubkey}`;

function header(fields: { key?: Uint8Array; kind?: number; u?: string; method?: string; at?: number } = {}) {
  const auth = signEvent(
    {
      kind: fields.kind ?? 27235,
      created_at: fields.at ?? NOW,
      tags: [
        ["u", fields.u ?? `https://node.example${path}`],
        ["method", fields.method ?? "GET"],
      ],
      content: "",
    },
    fields.key ?? secret,
  );
  return `Nostr ${Buffer.from(JSON.stringify(auth)).toString("base64")}`;
}

const problem = (h: string | undefined) => {
  const r = checkReplyAuth(h, pubkey, path, NOW);
  return r.ok ? "taken" : r.problem;
};

describe("checkReplyAuth", () => {
  it("takes a request signed by the key asked for, for this path, within a minute either way", () => {
    expect(problem(header())).toBe("taken");
    expect(problem(header({ at: NOW - AUTH_WINDOW }))).toBe("taken");
    expect(problem(header({ at: NOW + AUTH_WINDOW }))).toBe("taken");
    // The origin is not compared (behind a proxy the node does not know it).
    expect(problem(header({ u: `http://127.0.0.1:7447${path}` }))).toBe("taken");
  });

  it("refuses, in words, anything else", () => {
    expect(problem(undefined)).toContain("Only the holder of this key");
    expect(problem("Bearer abc")).toContain("Only the holder of this key");
    expect(problem("Nostr !!!")).toContain("Only the holder of this key");
    expect(problem("Nostr bm9wZQ==")).toContain("not a Nostr event");
    expect(problem(header({ key: generateSecretKey() }))).toContain("signed by another key");
    expect(problem(header({ kind: 22242 }))).toContain("kind 27235");
    expect(problem(header({ at: NOW - AUTH_WINDOW - 1 }))).toContain("too old or from the future");
    expect(problem(header({ at: NOW + AUTH_WINDOW + 1 }))).toContain("too old or from the future");
    expect(problem(header({ method: "POST" }))).toContain("another method");
    expect(problem(header({ u: `https://node.example${path}?e=x` }))).toContain("another address");
    expect(problem(header({ u: "not a url" }))).toContain("another address");
    const good = JSON.parse(Buffer.from(header().slice(6), "base64").toString("utf8")) as { sig: string };
    const forged = { ...good, sig: `${good.sig[0] === "0" ? "1" : "0"}${good.sig.slice(1)}` };
    expect(problem(`Nostr ${Buffer.from(JSON.stringify(forged)).toString("base64")}`)).toContain(
      "signature is not valid",
    );
  });
});

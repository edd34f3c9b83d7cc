import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generatePerson, signEvent } from "../../src/identity/index.ts";
import {
  buildKeyPackageEvent,
  formatMlsId,
  KIND_KEY_PACKAGE,
  keyPackageFilter,
  MAX_KEY_PACKAGE_BYTES,
  MarmotError,
  newKeyPackageSlot,
  parseKeyPackageEvent,
} from "../../src/wire/index.ts";
import { clone, codeOf, counterRandom } from "./helpers.ts";

const person = generatePerson();
const SLOT = newKeyPackageSlot(counterRandom(3));
const KP = Uint8Array.from({ length: 350 }, (_, i) => i & 0xff);
const NOW = 1_750_000_000;

function make(over: Partial<Parameters<typeof buildKeyPackageEvent>[0]> = {}) {
  return signEvent(
    buildKeyPackageEvent({
      keyPackage: KP,
      slot: SLOT,
      extensions: [0xf2ee, 0x000a],
      relays: ["wss://relay.example.org/", "wss://two.example.org"],
      now: NOW,
      ...over,
    }),
    person.secretKey,
  );
}

function retag(event: ReturnType<typeof make>, edit: (tags: string[][]) => string[][]) {
  return signEvent(
    { kind: event.kind, created_at: event.created_at, content: event.content, tags: edit(clone(event.tags)) },
    person.secretKey,
  );
}

describe("key package events (kind 30443)", () => {
  it("builds the tags of the Rally profile, protected by default", () => {
    const event = make({ ref: new Uint8Array(32).fill(1) });
    expect(event.kind).toBe(KIND_KEY_PACKAGE);
    expect(event.tags).toEqual([
      ["d", SLOT],
      ["encoding", "base64"],
      ["mls_protocol_version", "1.0"],
      ["mls_ciphersuite", "0x0001"],
      ["mls_extensions", "0xf2ee", "0x000a"],
      ["relays", "wss://relay.example.org", "wss://two.example.org"],
      ["i", "01".repeat(32)],
      ["-"],
    ]);
    expect(make({ protected: false }).tags.some((t) => t[0] === "-")).toBe(false);
  });

  it("parses what it builds", () => {
    const parsed = parseKeyPackageEvent(make());
    expect(parsed).toMatchObject({
      author: person.pubkey,
      slot: SLOT,
      ciphersuite: 1,
      extensions: [0xf2ee, 0x000a],
      relays: ["wss://relay.example.org", "wss://two.example.org"],
      ref: null,
      protected: true,
      createdAt: NOW,
    });
    expect(bytesToHex(parsed.keyPackage)).toBe(bytesToHex(KP));
    expect(keyPackageFilter([person.pubkey])).toEqual({ kinds: [30443], authors: [person.pubkey] });
  });

  it("accepts a key package without the encoding tag (Marmot's current profile)", () => {
    const event = retag(make(), (tags) => tags.filter((t) => t[0] !== "encoding"));
    expect(parseKeyPackageEvent(event).keyPackage).toEqual(KP);
  });

  it("refuses missing, repeated or malformed tags", () => {
    const cases: [string, (tags: string[][]) => string[][]][] = [
      ["no d", (t) => t.filter((x) => x[0] !== "d")],
      ["two d", (t) => [...t, ["d", SLOT]]],
      ["short d", (t) => t.map((x) => (x[0] === "d" ? ["d", "abc"] : x))],
      ["version 2.0", (t) => t.map((x) => (x[0] === "mls_protocol_version" ? [x[0], "2.0"] : x))],
      ["suite in decimal", (t) => t.map((x) => (x[0] === "mls_ciphersuite" ? [x[0], "1"] : x))],
      ["two suites tags", (t) => [...t, ["mls_ciphersuite", "0x0001"]]],
      ["no extensions", (t) => t.filter((x) => x[0] !== "mls_extensions")],
      ["empty extensions", (t) => t.map((x) => (x[0] === "mls_extensions" ? [x[0]] : x))],
      [
        "repeated extension",
        (t) => t.map((x) => (x[0] === "mls_extensions" ? [x[0], "0x000a", "0x000a"] : x)),
      ],
      ["uppercase id", (t) => t.map((x) => (x[0] === "mls_extensions" ? [x[0], "0xF2EE"] : x))],
      ["no relays", (t) => t.filter((x) => x[0] !== "relays")],
      ["bad relay", (t) => t.map((x) => (x[0] === "relays" ? [x[0], "https://x.example"] : x))],
      ["bad ref", (t) => [...t, ["i", "zz"]]],
      ["dash with value", (t) => t.map((x) => (x[0] === "-" ? ["-", "x"] : x))],
    ];
    for (const [name, edit] of cases) {
      const code = codeOf(() => parseKeyPackageEvent(retag(make(), edit)));
      expect(["bad-tag", "bad-relay-url"], name).toContain(code);
    }
    expect(
      codeOf(() =>
        parseKeyPackageEvent(retag(make(), (t) => t.map((x) => (x[0] === "encoding" ? [x[0], "hex"] : x)))),
      ),
    ).toBe("bad-encoding");
  });

  it("refuses bad content, signatures and kinds", () => {
    const event = make();
    const resign = (content: string, kind = KIND_KEY_PACKAGE) =>
      signEvent({ kind, created_at: NOW, tags: event.tags, content }, person.secretKey);
    expect(codeOf(() => parseKeyPackageEvent(resign("not base64!")))).toBe("bad-encoding");
    expect(codeOf(() => parseKeyPackageEvent(resign("")))).toBe("malformed");
    expect(codeOf(() => parseKeyPackageEvent(resign(event.content, 443)))).toBe("wrong-kind");
    expect(codeOf(() => parseKeyPackageEvent({ ...event, content: resign("AAAA").content }))).toBe(
      "bad-signature",
    );
    expect(codeOf(() => parseKeyPackageEvent({ ...event, pubkey: generatePerson().pubkey }))).toBe(
      "bad-signature",
    );
    expect(codeOf(() => parseKeyPackageEvent(undefined))).toBe("malformed");
  });

  it("holds 16 KiB and refuses one byte more, before verifying", () => {
    const max = make({ keyPackage: new Uint8Array(MAX_KEY_PACKAGE_BYTES).fill(7) });
    expect(parseKeyPackageEvent(max).keyPackage.length).toBe(MAX_KEY_PACKAGE_BYTES);
    expect(codeOf(() => make({ keyPackage: new Uint8Array(MAX_KEY_PACKAGE_BYTES + 1) }))).toBe("too-large");
    const over = signEvent(
      {
        kind: KIND_KEY_PACKAGE,
        created_at: NOW,
        tags: max.tags,
        content: Buffer.alloc(MAX_KEY_PACKAGE_BYTES + 1).toString("base64"),
      },
      person.secretKey,
    );
    const verify = () => {
      throw new Error("must not verify");
    };
    expect(codeOf(() => parseKeyPackageEvent(over, { verify }))).toBe("too-large");
  });

  it("refuses bad build parameters", () => {
    expect(codeOf(() => make({ slot: "x" }))).toBe("bad-parameter");
    expect(codeOf(() => make({ extensions: [] }))).toBe("bad-parameter");
    expect(codeOf(() => make({ extensions: [0x10000] }))).toBe("bad-parameter");
    expect(codeOf(() => make({ keyPackage: new Uint8Array(0) }))).toBe("bad-parameter");
    expect(codeOf(() => make({ relays: [] }))).toBe("bad-tag");
    expect(codeOf(() => make({ ref: "abc" }))).toBe("bad-parameter");
    expect(formatMlsId(0xf2ee)).toBe("0xf2ee");
    expect(newKeyPackageSlot()).toMatch(/^[0-9a-f]{64}$/);
  });

  it("only ever throws MarmotError on mutated events (fuzz)", () => {
    const good = make();
    fc.assert(
      fc.property(
        fc.constantFrom("id", "pubkey", "created_at", "kind", "tags", "content", "sig"),
        fc.anything(),
        (field, value) => {
          const mutated: Record<string, unknown> = clone(good);
          mutated[field] = value;
          try {
            parseKeyPackageEvent(mutated);
          } catch (e) {
            expect(e).toBeInstanceOf(MarmotError);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

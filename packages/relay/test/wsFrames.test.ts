/**
 * Frames the relay writes itself must be the bytes `ws` writes for the same messages, and a `ws`
 * client must read them back as the same messages: every length form (7-bit, 16-bit, 64-bit) and
 * text that is not ASCII.
 */
import { createRequire } from "node:module";
import type { Writable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { textFrames } from "../src/wsFrames.ts";

/** `ws`'s own framing and parsing classes, which its type declarations leave out. */
const { Receiver, Sender } = createRequire(import.meta.url)("ws") as {
  Receiver: new (options: { isServer: boolean }) => Writable;
  Sender: { frame(data: Buffer, options: Record<string, boolean | number>): (Buffer | string)[] };
};

/** What `ws` writes for one text message from a server: the frame, header and payload joined. */
function wsFrame(text: string): Buffer {
  const parts = Sender.frame(Buffer.from(text), {
    fin: true,
    opcode: 1,
    mask: false,
    readOnly: false,
    rsv1: false,
  });
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
}

/** The messages a `ws` client reads from these bytes. */
function readBack(bytes: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const receiver = new Receiver({ isServer: false });
    receiver.on("message", (data: Buffer) => got.push(data.toString("utf8")));
    receiver.on("error", reject);
    receiver.write(bytes, () => resolve(got));
  });
}

const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];

describe("textFrames", () => {
  it("writes the bytes ws writes, for every length form", () => {
    const messages = lengths.map((n) => "x".repeat(n));
    expect(textFrames(messages).equals(Buffer.concat(messages.map(wsFrame)))).toBe(true);
  });

  it("counts bytes, not characters, for text that is not ASCII", async () => {
    const messages = [
      '["EVENT","s",{"content":"héllo ✊ 🫱🏽‍🫲🏿"}]',
      "é".repeat(63),
      "✊".repeat(42),
      "🫱".repeat(16_384),
    ];
    const framed = textFrames(messages);
    expect(framed.equals(Buffer.concat(messages.map(wsFrame)))).toBe(true);
    expect(await readBack(framed)).toEqual(messages);
  });

  it("reads back as the same messages in the same order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: "grapheme", maxLength: 300 }), { maxLength: 20 }),
        async (messages) => {
          expect(await readBack(textFrames(messages))).toEqual(messages);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("frames text with lone surrogates (written as U+FFFD) at each length form's edges", async () => {
    // Each lone surrogate is 3 bytes both when measured and when written, as `ws` encodes it.
    const messages = [124, 125, 126, 65_535, 65_536].flatMap((n) => [
      `${"x".repeat(n - 3)}\ud800`,
      `\udfff${"x".repeat(n - 3)}`,
    ]);
    const framed = textFrames(messages);
    expect(framed.equals(Buffer.concat(messages.map(wsFrame)))).toBe(true);
    expect(await readBack(framed)).toEqual(messages.map((m) => Buffer.from(m).toString("utf8")));
  });

  it("is empty for no messages", () => {
    expect(textFrames([]).length).toBe(0);
  });
});

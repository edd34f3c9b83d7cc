import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PADDING_BUCKETS, paddedSize } from "../../src/wire/index.ts";
import { pad, unpad } from "../../src/wire/padding.ts";
import { codeOf } from "./helpers.ts";

describe("size buckets", () => {
  it("uses 256 B, 1, 4, 16, 64 KiB, then multiples of 64 KiB, length prefix included", () => {
    expect(PADDING_BUCKETS).toEqual([256, 1024, 4096, 16384, 65536]);
    expect(paddedSize(0)).toBe(256);
    expect(paddedSize(252)).toBe(256);
    expect(paddedSize(253)).toBe(1024);
    expect(paddedSize(65532)).toBe(65536);
    expect(paddedSize(65533)).toBe(131072);
    expect(paddedSize(131068)).toBe(131072);
    expect(paddedSize(131069)).toBe(196608);
  });

  it("round-trips any bytes and lands exactly on a bucket", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        const padded = pad(bytes, 1 << 20, "test");
        expect(padded.length).toBe(paddedSize(bytes.length));
        expect(unpad(padded, "test")).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses anything but the canonical form", () => {
    expect(codeOf(() => unpad(new Uint8Array(3), "test"))).toBe("bad-padding");
    const ok = pad(Uint8Array.of(1, 2, 3), 1024, "test");
    const bigger = new Uint8Array(1024);
    bigger.set(ok);
    expect(codeOf(() => unpad(bigger, "test"))).toBe("bad-padding");
    const dirty = Uint8Array.from(ok);
    dirty[200] = 1;
    expect(codeOf(() => unpad(dirty, "test"))).toBe("bad-padding");
    const overrun = Uint8Array.from(ok);
    new DataView(overrun.buffer).setUint32(0, 253, false);
    expect(codeOf(() => unpad(overrun, "test"))).toBe("bad-padding");
    new DataView(overrun.buffer).setUint32(0, 0xffffffff, false);
    expect(codeOf(() => unpad(overrun, "test"))).toBe("bad-padding");
    expect(codeOf(() => pad(new Uint8Array(253), 256, "test"))).toBe("too-large");
    expect(codeOf(() => pad(new Uint8Array(252), 256, "test"))).toBe("no error");
  });
});

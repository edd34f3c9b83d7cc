/**
 * A minimal TLS presentation-language codec for Rally's own MLS structures (RFC 9420 §2.1:
 * fixed-size integers big-endian, `opaque x<V>` with the variable-length integer prefix of §2.1.2).
 * Decoding is strict: the varint must use its shortest form, every length must fit the input and
 * a caller-given cap, and the whole input must be consumed.
 */

import { fail } from "./errors.ts";

export class TlsWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.size += bytes.length;
    return this;
  }

  uint8(n: number): this {
    return this.push(Uint8Array.of(n & 0xff));
  }

  uint16(n: number): this {
    return this.push(Uint8Array.of((n >>> 8) & 0xff, n & 0xff));
  }

  uint32(n: number): this {
    return this.push(Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
  }

  uint64(n: bigint): this {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, n);
    return this.push(out);
  }

  /** RFC 9420 §2.1.2 variable-length integer (up to 2^30 − 1), shortest form. */
  varint(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** 30) fail("bad-parameter", "A length is out of range.");
    if (n < 0x40) return this.uint8(n);
    if (n < 0x4000) return this.uint16(0x4000 | n);
    return this.uint32((0x80000000 | n) >>> 0);
  }

  fixed(bytes: Uint8Array): this {
    return this.push(bytes);
  }

  /** `opaque x<V>`. */
  opaque(bytes: Uint8Array): this {
    this.varint(bytes.length);
    return this.push(bytes);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

export class TlsReader {
  private at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  private need(n: number): void {
    if (this.at + n > this.bytes.length) fail("malformed", `The ${this.what} ends too early.`);
  }

  uint8(): number {
    this.need(1);
    return this.bytes[this.at++] as number;
  }

  uint16(): number {
    this.need(2);
    const v = ((this.bytes[this.at] as number) << 8) | (this.bytes[this.at + 1] as number);
    this.at += 2;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.at, 4).getUint32(0);
    this.at += 4;
    return v;
  }

  uint64(): bigint {
    this.need(8);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.at, 8).getBigUint64(0);
    this.at += 8;
    return v;
  }

  varint(): number {
    this.need(1);
    const first = this.bytes[this.at] as number;
    const prefix = first >> 6;
    if (prefix === 0) return this.uint8();
    if (prefix === 1) {
      const v = this.uint16() & 0x3fff;
      if (v < 0x40) fail("malformed", `The ${this.what} has a length in a longer form than needed.`);
      return v;
    }
    if (prefix === 2) {
      const v = this.uint32() & 0x3fffffff;
      if (v < 0x4000) fail("malformed", `The ${this.what} has a length in a longer form than needed.`);
      return v;
    }
    return fail("malformed", `The ${this.what} has an invalid length prefix.`);
  }

  fixed(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /** `opaque x<V>` of at most `max` bytes. */
  opaque(max: number): Uint8Array {
    const n = this.varint();
    if (n > max) fail("malformed", `A field of the ${this.what} is longer than ${max} bytes.`);
    return this.fixed(n);
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  end(): void {
    if (this.at !== this.bytes.length) fail("malformed", `The ${this.what} has trailing bytes.`);
  }
}

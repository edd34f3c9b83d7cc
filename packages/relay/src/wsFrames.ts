/**
 * WebSocket text frames (RFC 6455 §5.2) as a server sends them — unmasked, FIN set, no extension
 * bits — for many messages in one buffer. A REQ's answer is one frame per event; written through
 * `ws`, each frame is a header buffer and a string the socket encodes on its own, so a 100-event
 * answer reaches `writev` as 200 pieces. Framed here, it is one buffer and one write. The bytes are
 * the ones `ws` writes for the same messages (the relay turns permessage-deflate off).
 */

/** Header bytes for a payload of `n` bytes: 2, then 2 or 8 more for the extended length. */
const headerBytes = (n: number): number => (n < 126 ? 2 : n < 65536 ? 4 : 10);

/** The text frames of `messages`, in order, in one buffer. */
export function textFrames(messages: readonly string[]): Buffer {
  const lengths = new Array<number>(messages.length);
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    const n = Buffer.byteLength(messages[i]!, "utf8");
    lengths[i] = n;
    total += headerBytes(n) + n;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    const n = lengths[i]!;
    out[at++] = 0x81; // FIN, opcode 1 (text)
    if (n < 126) out[at++] = n;
    else if (n < 65536) {
      out[at++] = 126;
      out.writeUInt16BE(n, at);
      at += 2;
    } else {
      out[at++] = 127;
      // 64-bit length: messages are far below 2^32 bytes (the relay caps them), high word zero.
      out.writeUInt32BE(Math.floor(n / 2 ** 32), at);
      out.writeUInt32BE(n >>> 0, at + 4);
      at += 8;
    }
    // The buffer is not zeroed: a write short of the measured length would send old memory.
    const written = out.write(messages[i]!, at, n, "utf8");
    if (written !== n) throw new Error(`framing wrote ${written} of a message's ${n} bytes`);
    at += n;
  }
  if (at !== total) throw new Error(`framing filled ${at} of ${total} bytes`);
  return out;
}

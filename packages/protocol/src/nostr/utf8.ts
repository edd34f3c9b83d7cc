/**
 * UTF-8 byte length of a JS string without `TextEncoder` (this package compiles with neither DOM
 * nor Node types). Size caps in the codecs count bytes, as relays and sockets do.
 */
export function utf8ByteLength(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A surrogate pair is one code point of 4 bytes.
        bytes += 4;
        i++;
      } else bytes += 3; // lone surrogate: encoded as U+FFFD (3 bytes)
    } else bytes += 3;
  }
  return bytes;
}

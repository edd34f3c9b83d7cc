/**
 * Base64 for sealed values kept in text columns. `btoa`/`atob` exist in Node 20 and in browsers;
 * they take "binary strings", so bytes go through in chunks to keep argument lists short.
 *
 * Runs in: Node and browsers (pure).
 */

const CHUNK = 0x8000;

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

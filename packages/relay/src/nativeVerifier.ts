/**
 * NIP-01 checks with libsecp256k1 compiled for this machine (bcrypto's native binding), the relay's
 * fastest signature backend: about 55 µs per Schnorr check here, against about 350 µs for the same
 * library in WASM, and signature checks are most of the CPU an ingested event costs.
 *
 * bcrypto is an optional dependency built by node-gyp during `npm install`; on a machine without a
 * compiler its build fails, npm goes on without it, and the relay falls back to WASM. Only its
 * native binding is ever loaded: bcrypto's own pure-JS fallback is slower than the WASM one.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { EventFields, EventVerifier } from "@rally/protocol/nostr";

interface NativeSchnorr {
  verify(msg: Uint8Array, sig: Uint8Array, key: Uint8Array): boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/**
 * The field types NIP-01 gives an event, checked as nostr-tools' `validateEvent` does before its
 * `verifyEvent` hashes: a signature over the JSON of `kind: "1"` or `content: 5` is a valid
 * signature of something that is not an event. (The relay parses events before they get here; this
 * verifier is exported, and other callers may not.)
 */
export function hasEventShape(event: EventFields): boolean {
  const e = event as unknown as Record<string, unknown>;
  if (typeof e.kind !== "number" || typeof e.content !== "string" || typeof e.created_at !== "number")
    return false;
  if (!Array.isArray(e.tags)) return false;
  for (const tag of e.tags as unknown[]) {
    if (!Array.isArray(tag)) return false;
    for (const item of tag as unknown[]) if (typeof item !== "string") return false;
  }
  return true;
}

/** Where the native binding's module is, for worker threads to load the very same file. */
export function nativeSchnorrPath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("bcrypto/lib/native/schnorr");
  } catch {
    return undefined;
  }
}

let loaded: EventVerifier | null | undefined;

/** The native verifier, or undefined when bcrypto's binding is not built here (once per process). */
export function loadNativeVerifier(): EventVerifier | undefined {
  if (loaded === undefined) {
    try {
      const path = nativeSchnorrPath();
      // Throws when the compiled binding is missing: that is the "not built here" answer.
      loaded = path ? nativeVerifier(createRequire(import.meta.url)(path) as NativeSchnorr) : null;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

function nativeVerifier(schnorr: NativeSchnorr): EventVerifier {
  return {
    backend: "native",
    verify(event: EventFields): boolean {
      try {
        const { id, pubkey, sig } = event;
        // Buffer.from(…, "hex") stops silently at the first bad digit, so shapes are checked first.
        if (typeof id !== "string" || typeof pubkey !== "string" || typeof sig !== "string") return false;
        if (!HEX64.test(id) || !HEX64.test(pubkey) || !HEX128.test(sig)) return false;
        if (!hasEventShape(event)) return false;
        const hash = createHash("sha256")
          .update(JSON.stringify([0, pubkey, event.created_at, event.kind, event.tags, event.content]))
          .digest("hex");
        if (hash !== id) return false;
        return schnorr.verify(Buffer.from(id, "hex"), Buffer.from(sig, "hex"), Buffer.from(pubkey, "hex"));
      } catch {
        return false;
      }
    },
  };
}

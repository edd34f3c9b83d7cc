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
import { type EventFields, type EventVerifier, isLowerHex } from "@rally/protocol/nostr";
import { validateEvent } from "nostr-tools/pure";

interface NativeSchnorr {
  verify(msg: Uint8Array, sig: Uint8Array, key: Uint8Array): boolean;
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
        // Buffer.from(…, "hex") stops silently at the first bad digit, so shapes are checked first;
        // and a signature over the JSON of `kind: "1"` or `content: 5` signs something that is not
        // an event: the field types are checked as nostr-tools' own verifier checks them.
        if (!isLowerHex(id, 64) || !isLowerHex(sig, 128) || !validateEvent(event)) return false;
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

/**
 * NIP-01 signature verification: the id must be the sha256 of the serialized event and `sig` a
 * valid BIP-340 Schnorr signature of that id by `pubkey`.
 *
 * Two backends with one interface: libsecp256k1 compiled to WASM (`nostr-wasm`, about 5x faster,
 * needs an async load) and the pure-JS noble backend of `nostr-tools/pure` (always available).
 * `loadVerifier()` returns the WASM one when it can be instantiated and falls back otherwise.
 */
import { verifyEvent as verifyPure } from "nostr-tools/pure";
import { type EventFields, eventFields } from "./event.ts";

export interface EventVerifier {
  readonly backend: "native" | "wasm" | "js";
  /** True when the id hash and the signature are both valid; never throws on bad data. */
  verify(event: EventFields): boolean;
}

/** A fresh copy, so nostr-tools' cached "verified" mark on an object is never trusted. */
const plain = (e: EventFields): EventFields => eventFields(e);

export const jsVerifier: EventVerifier = {
  backend: "js",
  verify(event) {
    try {
      return verifyPure(plain(event));
    } catch {
      return false;
    }
  },
};

interface WasmNostr {
  verifyEvent(event: EventFields): void;
}

let wasmPromise: Promise<EventVerifier | undefined> | undefined;

async function loadWasm(): Promise<EventVerifier | undefined> {
  try {
    const mod = (await import("nostr-wasm")) as { initNostrWasm: () => Promise<WasmNostr> };
    const nw = await mod.initNostrWasm();
    return {
      backend: "wasm",
      verify(event) {
        try {
          // Throws when the id does not match the serialized event or the signature is invalid.
          nw.verifyEvent(plain(event));
          return true;
        } catch {
          return false;
        }
      },
    };
  } catch {
    return undefined;
  }
}

/**
 * NIP-01 check of an event's id and signature with the pure-JS backend (no load needed); false for
 * anything that is not an object. Always runs on a fresh copy of the seven fields, because
 * nostr-tools caches a "verified" mark on event objects and a caller's object may carry a stale one.
 */
export function verifyEventSignature(event: EventFields): boolean {
  if (typeof event !== "object" || event === null) return false;
  return jsVerifier.verify(event);
}

/**
 * The fastest verifier available: WASM when it loads (once per process), else pure JS.
 * `prefer: "js"` forces the pure backend.
 */
export async function loadVerifier(prefer: "wasm" | "js" = "wasm"): Promise<EventVerifier> {
  if (prefer === "js") return jsVerifier;
  wasmPromise ??= loadWasm();
  return (await wasmPromise) ?? jsVerifier;
}

/**
 * NIP-01 signature verification: the id must be the sha256 of the serialized event and `sig` a
 * valid BIP-340 Schnorr signature of that id by `pubkey`.
 *
 * Two backends with one interface: libsecp256k1 compiled to WASM (`nostr-wasm`, about 5x faster,
 * needs an async load) and the pure-JS noble backend of `nostr-tools/pure` (always available).
 * `loadVerifier()` returns the WASM one when it can be instantiated and falls back otherwise.
 */
import { verifyEvent as verifyPure } from "nostr-tools/pure";
import type { NostrEvent } from "./event.ts";

export interface EventVerifier {
  readonly backend: "wasm" | "js";
  /** True when the id hash and the signature are both valid; never throws on bad data. */
  verify(event: NostrEvent): boolean;
}

/** A fresh copy, so nostr-tools' cached "verified" mark on an object is never trusted. */
function plain(e: NostrEvent): NostrEvent {
  return {
    id: e.id,
    pubkey: e.pubkey,
    created_at: e.created_at,
    kind: e.kind,
    tags: e.tags,
    content: e.content,
    sig: e.sig,
  };
}

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
  verifyEvent(event: NostrEvent): void;
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
 * The fastest verifier available: WASM when it loads (once per process), else pure JS.
 * `prefer: "js"` forces the pure backend.
 */
export async function loadVerifier(prefer: "wasm" | "js" = "wasm"): Promise<EventVerifier> {
  if (prefer === "js") return jsVerifier;
  wasmPromise ??= loadWasm();
  return (await wasmPromise) ?? jsVerifier;
}

/**
 * The one error base of the protocol package. Every refusal from a layer below the client is a
 * `ProtocolError` that names its `layer` and a `code` the caller can branch on, with a message in
 * plain words a person can act on (never a secret). Each layer keeps its own class (`IdentityError`,
 * `MarmotError`, `MlsEngineError`, `InvalidInputError`, `IcsError`) and its own list of codes;
 * callers above map by `layer` and `code`, never by class name.
 */

/** Which layer refused: the folders of this package. */
export type ProtocolLayer = "nostr" | "wire" | "mls" | "app" | "identity" | "ics";

export class ProtocolError<Code extends string = string> extends Error {
  readonly layer: ProtocolLayer;
  readonly code: Code;

  constructor(layer: ProtocolLayer, code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ProtocolError";
    this.layer = layer;
    this.code = code;
  }
}

/** True when `e` is a protocol error, optionally of the given layer (and code). */
export function isProtocolError(e: unknown, layer?: ProtocolLayer, code?: string): e is ProtocolError {
  return (
    e instanceof ProtocolError &&
    (layer === undefined || e.layer === layer) &&
    (code === undefined || e.code === code)
  );
}

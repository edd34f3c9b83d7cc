/**
 * What every layer of the protocol shares: the error base (`ProtocolError` with `layer` and `code`).
 * Each layer has its own entry point: `@rally/protocol/{nostr,wire,mls,app,identity,ics}`.
 */
export { isProtocolError, ProtocolError, type ProtocolLayer } from "./errors.ts";

/**
 * The group state value callers hold: an opaque, immutable wrapper around ts-mls's `ClientState`
 * (RFC 9420 §8 key schedule, §7 ratchet tree, §9 secret tree). Only this folder looks inside, so
 * nothing outside `mls/` depends on ts-mls types, and a transition always returns a new value.
 */

import type { ClientState } from "ts-mls";
import { fail } from "./errors.ts";

declare const stateBrand: unique symbol;

/** One device's view of one MLS group at one moment. Treat as opaque; persist with `encodeState`. */
export interface GroupState {
  readonly [stateBrand]: "RallyMlsGroupState";
}

interface StateBox {
  readonly client: ClientState;
}

export function wrapState(client: ClientState): GroupState {
  return Object.freeze({ client }) as unknown as GroupState;
}

export function unwrapState(state: GroupState): ClientState {
  const box = state as unknown as StateBox;
  if (box === null || typeof box !== "object" || box.client === undefined) {
    fail("bad-parameter", "This is not an MLS group state made by this engine.");
  }
  return box.client;
}

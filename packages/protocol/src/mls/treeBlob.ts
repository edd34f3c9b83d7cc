/**
 * The ratchet tree sent beside a welcome (RFC 9420 §12.4.3.3 allows the tree to reach the joiner
 * out of band instead of in the `ratchet_tree` extension). Putting it outside the welcome keeps
 * each per-recipient welcome a few hundred bytes however large the group; the joiner checks the
 * tree against the tree hash in the welcome's signed GroupInfo, so a tampered tree is refused.
 *
 * ts-mls 2.0.0-rc.10 does not export its ratchet-tree codec, only the whole-state codec, so the
 * blob is a `ClientState` encoding holding the public group context and tree with every secret
 * field blank (zero-length or zero bytes). It is still a member list: encrypt it in transit.
 *
 *   blob = version (0x01) ‖ opaque state<V>   (state = clientStateEncoder of the public view)
 */

import { type ClientState, clientStateDecoder, clientStateEncoder, encode, type RatchetTree } from "ts-mls";
import { fail } from "./errors.ts";
import { decodeExact } from "./mlsCodec.ts";
import { TlsReader, TlsWriter } from "./tls.ts";

const VERSION = 1;
/** Largest tree blob accepted: generous for 5,000 members (about 1 MB). */
export const MAX_TREE_BLOB_BYTES = 16 * 1024 * 1024;

function blankKeySchedule(): ClientState["keySchedule"] {
  const z = () => new Uint8Array(32);
  return {
    senderDataSecret: z(),
    exporterSecret: z(),
    externalSecret: z(),
    confirmationKey: z(),
    membershipKey: z(),
    resumptionPsk: z(),
    epochAuthenticator: z(),
    initSecret: z(),
  };
}

/** A state holding only public data, for encoding the tree. */
export function publicView(client: ClientState): ClientState {
  return {
    groupContext: client.groupContext,
    ratchetTree: client.ratchetTree,
    keySchedule: blankKeySchedule(),
    secretTree: { leafWidth: 0, intermediateNodes: {}, leafNodes: {} },
    privatePath: { leafIndex: 0, privateKeys: {} },
    signaturePrivateKey: new Uint8Array(0),
    unappliedProposals: {},
    confirmationTag: new Uint8Array(0),
    historicalReceiverData: new Map(),
    groupActiveState: { kind: "active" },
  };
}

export function encodeTreeBlob(client: ClientState): Uint8Array {
  return new TlsWriter()
    .uint8(VERSION)
    .opaque(encode(clientStateEncoder, publicView(client)))
    .finish();
}

export function decodeTreeBlob(bytes: Uint8Array): RatchetTree {
  if (bytes.length > MAX_TREE_BLOB_BYTES) fail("malformed", "The ratchet tree is too large.");
  const r = new TlsReader(bytes, "ratchet tree");
  if (r.uint8() !== VERSION) fail("malformed", "This ratchet tree has an unknown version.");
  const inner = r.opaque(MAX_TREE_BLOB_BYTES);
  r.end();
  return decodeExact(clientStateDecoder, inner, "ratchet tree", MAX_TREE_BLOB_BYTES).ratchetTree;
}

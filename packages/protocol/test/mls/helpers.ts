/** Shared fixtures for the MLS engine tests: people with Nostr keys, devices and key packages. */

import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { createCommit, createProposal, encode, mlsMessageEncoder, type Proposal } from "ts-mls";
import { engineContext } from "../../src/mls/context.ts";
import {
  addMembers,
  createDeviceIdentity,
  createGroup,
  createKeyPackage,
  type DeviceIdentity,
  type GroupState,
  isMlsEngineError,
  joinFromWelcome,
  type NewKeyPackage,
  process,
} from "../../src/mls/index.ts";
import { unwrapState } from "../../src/mls/state.ts";
import type { PubkeyHex } from "../../src/nostr/event.ts";

export interface Person {
  name: string;
  secretKey: Uint8Array;
  pubkey: PubkeyHex;
  device: DeviceIdentity;
}

export function person(name: string): Person {
  const secretKey = generateSecretKey();
  return {
    name,
    secretKey,
    pubkey: getPublicKey(secretKey) as PubkeyHex,
    device: createDeviceIdentity(secretKey),
  };
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const untext = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Creates a group owned by `admin` and adds `others` in one commit; returns every member's state. */
export async function groupOf(
  admin: Person,
  others: Person[],
  name = "Tenants' union",
): Promise<{ states: Map<string, GroupState>; kps: Map<string, NewKeyPackage> }> {
  let state = await createGroup(admin.device, { name, relays: ["wss://relay.example.org"] });
  const states = new Map<string, GroupState>();
  const kps = new Map<string, NewKeyPackage>();
  if (others.length > 0) {
    for (const p of others) kps.set(p.name, await createKeyPackage(p.device));
    const out = await addMembers(
      state,
      others.map((p) => (kps.get(p.name) as NewKeyPackage).keyPackage),
    );
    state = out.state;
    for (const p of others) {
      const w = out.welcomes.find((x) => x.pubkey === p.pubkey);
      if (!w) throw new Error(`no welcome for ${p.name}`);
      states.set(
        p.name,
        await joinFromWelcome(
          w.welcome,
          (kps.get(p.name) as NewKeyPackage).privateKeyPackage,
          out.ratchetTree,
        ),
      );
    }
  }
  states.set(admin.name, state);
  return { states, kps };
}

/**
 * Builds a commit the way a modified client could, skipping the engine's own rule checks, so tests
 * can show that every other member refuses it.
 */
export async function forgeCommit(state: GroupState, proposals: Proposal[]): Promise<Uint8Array> {
  const { mls } = await engineContext();
  const res = await createCommit({ context: mls, state: unwrapState(state), extraProposals: proposals });
  return encode(mlsMessageEncoder, res.commit);
}

/** Sends a proposal the way a modified client could (by reference, in the current epoch). */
export async function forgeProposal(state: GroupState, proposal: Proposal): Promise<Uint8Array> {
  const { mls } = await engineContext();
  const res = await createProposal({ context: mls, state: unwrapState(state), proposal });
  return encode(mlsMessageEncoder, res.message);
}

/** Processes `message` and returns the engine error code it fails with (or "ok"). */
export async function failureCode(state: GroupState, message: Uint8Array): Promise<string> {
  try {
    await process(state, message);
    return "ok";
  } catch (e) {
    if (isMlsEngineError(e)) return e.code;
    throw e;
  }
}

/**
 * Start-up self-test of the MLS engine: does this copy of ts-mls end a removed member's access?
 *
 * RFC 9420 §12.4: a commit that covers a Remove proposal must carry an UpdatePath, so the next
 * epoch's secrets depend on a fresh path secret encrypted to everyone but the removed member.
 * ts-mls 2.0.0-rc.10 leaves the path out when exactly one member is removed, and then has the
 * removed member try to decrypt the path; `scripts/patch-ts-mls.mjs` corrects both at install time.
 * An install that skipped the hook (`npm ci --ignore-scripts`), a vendored `node_modules` or a
 * bundler resolving another copy would silently bring the flaw back, so the apps run this once
 * before they touch a group and refuse to go on if it fails.
 *
 * The test plays a two-person group in memory (keys from the engine's own randomness, nothing
 * kept): the admin removes the other in a commit of that single removal, and the test checks that
 * (1) the commit carries an UpdatePath (the admin's own leaf got a new encryption key, which only a
 * path does) and (2) the removed member, processing it, does not end up in the new epoch. (2) runs
 * only once (1) held: an uncorrected removed member decrypting a path can loop without end. Two
 * people keep it cheap (a few tens of milliseconds once the crypto code is warm; it runs at every
 * start).
 */

import { nodeTypes } from "ts-mls";
import type { PubkeyHex } from "../nostr/event.ts";
import { bytesEqual } from "./bytes.ts";
import { engineContext } from "./context.ts";
import { createDeviceIdentity, type DeviceIdentity } from "./device.ts";
import { MlsEngineError } from "./errors.ts";
import { addMembers, type CommitOutput, createGroup, joinFromWelcome, removeMembers } from "./group.ts";
import { epoch, exporterSecret, isActive } from "./inspect.ts";
import { createKeyPackage } from "./keyPackage.ts";
import { process } from "./process.ts";
import { type GroupState, unwrapState } from "./state.ts";

/** Builds the commit under test: removes `victim` from `state`. */
export type RemovalBuilder = (state: GroupState, victim: PubkeyHex) => Promise<CommitOutput>;

const UNSAFE =
  "This copy of the MLS library is unsafe (removals without a path): people removed from a group " +
  "could keep reading it. Reinstall Rally without skipping install scripts (npm ci, not " +
  "--ignore-scripts) or use an official build.";

function unsafe(detail: string): never {
  throw new MlsEngineError("internal", `${UNSAFE} (${detail})`);
}

/** The HPKE public key of this state's own leaf. */
function ownLeafKey(state: GroupState): Uint8Array {
  const client = unwrapState(state);
  const node = client.ratchetTree[client.privatePath.leafIndex * 2];
  if (node === undefined || node.nodeType !== nodeTypes.leaf) unsafe("the committer has no leaf");
  return node.leaf.hpkePublicKey;
}

/**
 * Runs the removal check with the given commit builder (the engine's `removeMembers` by default).
 * Throws `MlsEngineError("internal", …)` in plain words when the check fails.
 */
export async function removalSelfTest(options: { build?: RemovalBuilder; now?: number } = {}): Promise<void> {
  const build = options.build ?? ((state, victim) => removeMembers(state, [victim]));
  const { random } = await engineContext();
  const device = (): DeviceIdentity => createDeviceIdentity(random(32), { random });
  const [admin, leaving] = [device(), device()];
  const keyPackage = await createKeyPackage(leaving, options.now === undefined ? {} : { now: options.now });
  const group = await createGroup(admin, { name: "Rally engine self-test" });
  const added = await addMembers(group, [keyPackage.keyPackage]);
  const welcome = added.welcomes[0];
  if (welcome === undefined) unsafe("no welcome was made");
  const leavingState = await joinFromWelcome(
    welcome.welcome,
    keyPackage.privateKeyPackage,
    added.ratchetTree,
  );

  const removal = await build(added.state, leaving.pubkey);
  // (1) Only an UpdatePath replaces the committer's leaf, with a fresh encryption key.
  if (bytesEqual(ownLeafKey(added.state), ownLeafKey(removal.state))) unsafe("the commit has no path");
  const secret = await exporterSecret(removal.state);
  // (2) The removed member stops where it was removed.
  let after: GroupState | undefined;
  try {
    after = (await process(leavingState, removal.commit)).state;
  } catch {
    after = undefined; // refusing the commit altogether is as good
  }
  if (after !== undefined) {
    if (isActive(after)) unsafe("the removed member is still active");
    if (epoch(after) > epoch(leavingState) && bytesEqual(await exporterSecret(after), secret))
      unsafe("the removed member derived the new epoch");
  }
}

let once: Promise<void> | undefined;

/**
 * Checks once per process (or worker) that this copy of the MLS library ends a removed member's
 * access; later calls return the same result. Throws `MlsEngineError` with code `internal` and a
 * message in plain words when it does not: the caller must then refuse to open any group.
 */
export function engineSelfTest(): Promise<void> {
  once ??= removalSelfTest();
  return once;
}

/**
 * Names inside groups, read from this device's store. The format and the rules (who may name whom,
 * own statements over directories, newest wins, removal ends a name) are the protocol's
 * (`@rally/protocol/app` names.ts, docs/PROTOCOL.md "Names"); here each stored kind 0 gets the facts
 * this device kept with it: its filed time (capped at its receipt plus MAX_CLOCK_SKEW, raised to
 * the start of the epoch that carried it: appViews.ts `filedAt`), its epoch and whether it was
 * read late.
 *
 * Runs in: Node and browsers (pure).
 */
import { foldNames, KIND_PROFILE, type NameStatementInput, resolveContext } from "@rally/protocol/app";
import type { StoredRumor } from "../store/store.ts";
import { envelopeOf, filedAt, groupContext, type MembershipFacts } from "./appViews.ts";

/** pubkey → name from a group's stored rumors (the protocol's `foldNames`). */
export function namesFromRumors(rows: readonly StoredRumor[], facts: MembershipFacts): Map<string, string> {
  const statements: NameStatementInput[] = [];
  for (const row of rows) {
    if (row.kind !== KIND_PROFILE) continue;
    const env = envelopeOf(row);
    // The store's author is the MLS sender the rumor was checked against on receipt.
    if (!env || env.r.pubkey !== row.pubkey) continue;
    statements.push({ rumor: env.r, at: filedAt(env), epoch: env.e, late: env.l === true });
  }
  return foldNames(statements, resolveContext(groupContext(facts)));
}

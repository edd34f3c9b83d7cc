// Applied after every install (root `postinstall`): two corrections to ts-mls 2.0.0-rc.10 that
// Rally's removal guarantees depend on. The script refuses to continue if the code is not the exact
// shape it knows, so a new ts-mls is checked again by hand, never patched blindly. Both are covered
// by the removal tests in packages/protocol (test/mls/removal.test.ts, test/wire/removal.test.ts).
//
// 1. clientState.js decides whether a commit needs an UpdatePath with `Object.values(list).length > 1`
//    for Update and Remove proposals, so a commit removing exactly one member carries no path. RFC
//    9420 §12.4 requires the path whenever a commit covers an Update or Remove proposal; without it
//    the next epoch's secrets follow from the previous init secret alone, which the removed member
//    holds. Corrected to `> 0`.
// 2. processMessages.js then has the removed member decrypt the UpdatePath, which is encrypted to
//    everyone but it; its own leaf is gone from the tree and the lookup grows an array until V8
//    aborts the process. RFC 9420 §12.4.2: a member removed by a commit stops there. We return the
//    state marked `removedFromGroup` before the path is touched.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Where npm puts the copy that packages/protocol resolves (nested first, as Node resolves it).
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkgFile = [
  join(root, "packages/protocol/node_modules/ts-mls/package.json"),
  join(root, "node_modules/ts-mls/package.json"),
].find((f) => existsSync(f));
if (!pkgFile) {
  // Nothing installed to correct (e.g. `npm install --package-lock-only`).
  console.log("ts-mls is not installed yet: nothing to patch");
  process.exit(0);
}
const { version } = JSON.parse(readFileSync(pkgFile, "utf8"));
const dist = join(dirname(pkgFile), "dist/src");

const patches = [
  {
    file: "clientState.js",
    from: `            Object.values(grouped[defaultProposalTypes.update]).length > 1 ||
            Object.values(grouped[defaultProposalTypes.remove]).length > 1;`,
    to: `            Object.values(grouped[defaultProposalTypes.update]).length > 0 ||
            Object.values(grouped[defaultProposalTypes.remove]).length > 0;`,
  },
  {
    file: "processMessages.js",
    from: `    if (result.needsUpdatePath && content.commit.path === undefined)
        throw new ValidationError("Update path is required");
`,
    to: `    if (result.needsUpdatePath && content.commit.path === undefined)
        throw new ValidationError("Update path is required");
    if (result.selfRemoved)
        return { newState: { ...state, groupActiveState: { kind: "removedFromGroup" } }, actionTaken: action, consumed: [], aad: content.authenticatedData };
`,
  },
  // Joining: ts-mls checks each unmerged leaf L of a parent P by requiring every non-blank node on
  // L's whole direct path to hold exactly P's list. RFC 9420's rule (the joiner's tree checks,
  // §7.9.2 / §12.4.3.1) is that L is a non-blank leaf under P and that every non-blank node
  // *between* L and P lists L. Lists differ legitimately as soon as members have committed key
  // updates and people are added after (a high node gains leaves a lower one does not cover), and
  // ts-mls then refused every newcomer's welcome. Corrected to the RFC rule (the "non-blank
  // descendant" check also used `&&` where both conditions must hold).
  {
    file: "clientState.js",
    from: `                if (tree[nodeIndex]?.nodeType !== nodeTypes.leaf && !dp.includes(toNodeIndex(i)))
                    return new ValidationError("Unmerged leaf did not represent a non-blank descendant leaf node");
                for (const parentIdx of dp) {
                    const dpNode = tree[parentIdx];
                    if (dpNode !== undefined) {
                        if (dpNode.nodeType !== nodeTypes.parent)
                            return new InternalError("Expected parent node");
                        if (!arraysEqual(dpNode.parent.unmergedLeaves, n.parent.unmergedLeaves))`,
    to: `                if (tree[nodeIndex]?.nodeType !== nodeTypes.leaf || !dp.includes(toNodeIndex(i)))
                    return new ValidationError("Unmerged leaf did not represent a non-blank descendant leaf node");
                // Rally (scripts/patch-ts-mls.mjs, unmerged leaves): only the nodes between L and P.
                for (const parentIdx of dp) {
                    if (parentIdx === toNodeIndex(i))
                        break;
                    const dpNode = tree[parentIdx];
                    if (dpNode !== undefined) {
                        if (dpNode.nodeType !== nodeTypes.parent)
                            return new InternalError("Expected parent node");
                        if (!dpNode.parent.unmergedLeaves.includes(unmergedLeaf))`,
  },
];

let failed = false;
for (const { file, from, to } of patches) {
  const path = join(dist, file);
  const source = readFileSync(path, "utf8");
  if (source.includes(to)) continue;
  if (version !== "2.0.0-rc.10" || !source.includes(from)) {
    console.error(`ts-mls ${version}: ${path} does not have the code Rally's removal fix expects.`);
    failed = true;
    continue;
  }
  writeFileSync(path, source.replace(from, to));
  console.log(`ts-mls ${version}: patched ${file} (see scripts/patch-ts-mls.mjs)`);
}
if (failed) {
  console.error(
    "Check how this ts-mls handles removal commits (RFC 9420 §12.4), then update scripts/patch-ts-mls.mjs.",
  );
  process.exit(1);
}

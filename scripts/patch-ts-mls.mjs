// Applied after every install (root `postinstall`): corrections to ts-mls 2.0.0-rc.10. The script
// refuses to continue if the code is not the exact shape it knows, so a new ts-mls is checked again
// by hand, never patched blindly. `node scripts/patch-ts-mls.mjs --check` only reports whether every
// patch is in place (packages/protocol/test/mls/tsMlsPatches.test.ts runs it).
//
// Two that Rally's removal guarantees depend on, covered by the removal tests in packages/protocol
// (test/mls/removal.test.ts, test/wire/removal.test.ts):
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
//
// Three that make each message cheaper without changing a byte (bench/mls/run.ts measures them; the
// RFC 9420 vectors in test/mls/backendConformance.ts check the bytes). None keeps a secret: they
// cache constant labels and the public group context's encoding.
//
// 3. crypto/kdf.js builds every KDFLabel (RFC 9420 §8, five per application message) through a
//    freshly composed encoder and a new TextEncoder. Written directly instead, label bytes encoded
//    once (lengths of 16 KiB and more keep the original encoder).
// 4. crypto/signature.js does the same for SignContent (§5.1.2) on every signature and check.
// 5. framedContent.js encodes the whole GroupContext (with every group extension) into each
//    FramedContentTBS (§6.1) it signs or checks. The encoding is kept per GroupContext object
//    (ts-mls never changes one in place: a new epoch is a new object), and used only while the
//    object still holds the same fields it was encoded from.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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

const check = process.argv.includes("--check");

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
  {
    file: "crypto/kdf.js",
    from: `export function expandWithLabel(secret, label, context, length, kdf) {
    const infoEncoder = composeBufferEncoders([uint16Encoder, varLenDataEncoder, varLenDataEncoder]);
    return kdf.expand(secret, encode(infoEncoder, [length, new TextEncoder().encode(\`MLS 1.0 \${label}\`), context]), length);
}`,
    to: `// Rally (scripts/patch-ts-mls.mjs, 3): KDFLabel written directly, label bytes encoded once.
const kdfLabels = new Map();
function kdfLabelBytes(label) {
    let bytes = kdfLabels.get(label);
    if (bytes === undefined) {
        bytes = new TextEncoder().encode(\`MLS 1.0 \${label}\`);
        if (kdfLabels.size < 256)
            kdfLabels.set(label, bytes);
    }
    return bytes;
}
export function expandWithLabel(secret, label, context, length, kdf) {
    const labelBytes = kdfLabelBytes(label);
    if (labelBytes.length >= 64 || context.length >= 16384 || length > 0xffff) {
        const infoEncoder = composeBufferEncoders([uint16Encoder, varLenDataEncoder, varLenDataEncoder]);
        return kdf.expand(secret, encode(infoEncoder, [length, labelBytes, context]), length);
    }
    const contextHeader = context.length < 64 ? 1 : 2;
    const info = new Uint8Array(3 + labelBytes.length + contextHeader + context.length);
    info[0] = length >> 8;
    info[1] = length & 0xff;
    info[2] = labelBytes.length;
    info.set(labelBytes, 3);
    let offset = 3 + labelBytes.length;
    if (contextHeader === 1)
        info[offset++] = context.length;
    else {
        info[offset++] = 0x40 | (context.length >> 8);
        info[offset++] = context.length & 0xff;
    }
    info.set(context, offset);
    return kdf.expand(secret, info, length);
}`,
  },
  {
    file: "crypto/signature.js",
    from: `export async function signWithLabel(signKey, label, content, s) {
    const messageEncoder = composeBufferEncoders([varLenDataEncoder, varLenDataEncoder]);
    return s.sign(signKey, encode(messageEncoder, [new TextEncoder().encode(\`MLS 1.0 \${label}\`), content]));
}
export async function verifyWithLabel(publicKey, label, content, signature, s) {
    const messageEncoder = composeBufferEncoders([varLenDataEncoder, varLenDataEncoder]);
    return s.verify(publicKey, encode(messageEncoder, [new TextEncoder().encode(\`MLS 1.0 \${label}\`), content]), signature);
}`,
    to: `// Rally (scripts/patch-ts-mls.mjs, 4): SignContent built with one encoder, label bytes encoded once.
const messageEncoder = composeBufferEncoders([varLenDataEncoder, varLenDataEncoder]);
const signLabels = new Map();
function signContent(label, content) {
    let bytes = signLabels.get(label);
    if (bytes === undefined) {
        bytes = new TextEncoder().encode(\`MLS 1.0 \${label}\`);
        if (signLabels.size < 256)
            signLabels.set(label, bytes);
    }
    return encode(messageEncoder, [bytes, content]);
}
export async function signWithLabel(signKey, label, content, s) {
    return s.sign(signKey, signContent(label, content));
}
export async function verifyWithLabel(publicKey, label, content, signature, s) {
    return s.verify(publicKey, signContent(label, content), signature);
}`,
  },
  {
    file: "framedContent.js",
    from: `const senderInfoEncoder = (info) => {
    switch (info.senderType) {
        case senderTypes.member:
        case senderTypes.new_member_commit:
            return groupContextEncoder(info.context);`,
    to: `// Rally (scripts/patch-ts-mls.mjs, 5): a GroupContext's encoding kept per object, used only while
// the object holds the very fields it was encoded from.
const encodedContexts = new WeakMap();
function cachedGroupContextEncoder(gc) {
    const hit = encodedContexts.get(gc);
    if (hit !== undefined &&
        hit.version === gc.version &&
        hit.cipherSuite === gc.cipherSuite &&
        hit.groupId === gc.groupId &&
        hit.epoch === gc.epoch &&
        hit.treeHash === gc.treeHash &&
        hit.confirmedTranscriptHash === gc.confirmedTranscriptHash &&
        hit.extensions === gc.extensions) {
        const bytes = hit.bytes;
        return [bytes.length, (offset, buffer) => new Uint8Array(buffer).set(bytes, offset)];
    }
    const bytes = encode(groupContextEncoder, gc);
    encodedContexts.set(gc, {
        version: gc.version,
        cipherSuite: gc.cipherSuite,
        groupId: gc.groupId,
        epoch: gc.epoch,
        treeHash: gc.treeHash,
        confirmedTranscriptHash: gc.confirmedTranscriptHash,
        extensions: gc.extensions,
        bytes,
    });
    return [bytes.length, (offset, buffer) => new Uint8Array(buffer).set(bytes, offset)];
}
const senderInfoEncoder = (info) => {
    switch (info.senderType) {
        case senderTypes.member:
        case senderTypes.new_member_commit:
            return cachedGroupContextEncoder(info.context);`,
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
  if (check) {
    console.error(`ts-mls ${version}: ${path} is not patched (run node scripts/patch-ts-mls.mjs).`);
    failed = true;
    continue;
  }
  if (version !== "2.0.0-rc.10" || !source.includes(from)) {
    console.error(`ts-mls ${version}: ${path} does not have the code Rally's patch expects.`);
    failed = true;
    continue;
  }
  // Written beside and renamed over, so a process loading ts-mls meanwhile sees one whole file.
  const tmp = `${path}.rally-patch`;
  writeFileSync(
    tmp,
    source.replace(from, () => to),
  );
  renameSync(tmp, path);
  console.log(`ts-mls ${version}: patched ${file} (see scripts/patch-ts-mls.mjs)`);
}
if (failed) {
  console.error(
    check
      ? "Some of Rally's ts-mls patches are missing."
      : "Check how this ts-mls handles what the patch corrects (see the notes at the top), then update scripts/patch-ts-mls.mjs.",
  );
  process.exit(1);
}
if (check) console.log(`ts-mls ${version}: all ${patches.length} patches in place`);

/**
 * MLS engine costs at 10, 100, 1,000 and 5,000 members, next to the raw primitives measured in the
 * same run on the same machine:
 *
 *   npm run bench:mls                                   # all sizes (5,000 takes several minutes)
 *   npm run bench:mls -- --sizes=10,100 --messages=2000 # quicker
 *   npm run bench:mls -- --sizes=10 --messages=1000 --repeat=5   # decrypts: best of 5 runs
 *
 * For each size: building the group (key packages, one commit adding everyone), joining, adding one
 * more member, an update commit and processing it, removing one member, application messages
 * (encrypt; decrypt one at a time with `process` and in runs with `processBatch`) on each crypto
 * backend — the portable one (@noble + WebCrypto Ed25519, what browsers run) and the Node one
 * (node:crypto, what the CLI and `rally serve` run) — and the sizes of welcomes, the ratchet tree
 * and the two persisted parts. Ratios compare each operation with the
 * primitives it cannot avoid (see `floor` below). Wall-clock figures on a shared machine are noisy:
 * read the ratios and the growth with size, not single numbers.
 */

import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { schnorr } from "@noble/curves/secp256k1.js";
import { expand } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { generateSecretKey } from "nostr-tools/pure";
import { nodeCryptoBackend } from "../../packages/client/src/platform/node/nodeCrypto.ts";
import { bindingEvent } from "../../packages/protocol/src/mls/credential.ts";
import {
  addMembers,
  configureMls,
  createDeviceIdentity,
  createGroup,
  createKeyPackage,
  type DeviceIdentity,
  encodeEpochPart,
  encodeMessagePart,
  encrypt,
  type GroupState,
  joinFromWelcome,
  type MlsCryptoBackend,
  members,
  portableBackend,
  process,
  processBatch,
  removeMembers,
  selfUpdate,
} from "../../packages/protocol/src/mls/index.ts";
import { loadVerifier } from "../../packages/protocol/src/nostr/verify.ts";

const args = new Map(
  globalThis.process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? ""] as [string, string];
  }),
);
const SIZES = (args.get("sizes") ?? "10,100,1000,5000").split(",").map(Number);
const MESSAGES = Number(args.get("messages") ?? 2000);
// Decrypt figures and their floor measured this many times, keeping the best of each: on a machine
// shared with other work the best run is the one least disturbed.
const REPEAT = Math.max(1, Number(args.get("repeat") ?? 1));

/** Mean µs per call of `f` over at least `minMs` (and at least `minRuns` calls). */
async function micros(f: () => unknown, minRuns = 50, minMs = 400): Promise<number> {
  for (let i = 0; i < 5; i++) await f();
  let runs = 0;
  const t0 = performance.now();
  while (runs < minRuns || performance.now() - t0 < minMs) {
    await f();
    runs++;
  }
  return ((performance.now() - t0) * 1000) / runs;
}

async function once<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, (performance.now() - t0) * 1000];
}

const fmt = (us: number): string =>
  us >= 1e6
    ? `${(us / 1e6).toFixed(2)} s`
    : us >= 1e3
      ? `${(us / 1e3).toFixed(1)} ms`
      : `${us.toFixed(1)} µs`;
const kb = (n: number): string =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MB` : `${(n / 1024).toFixed(1)} KB`;

// ---- primitives ----------------------------------------------------------------------------
function nodeAesOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer {
  const d = createDecipheriv("aes-128-gcm", key, nonce);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const out = d.update(sealed.subarray(0, sealed.length - 16));
  d.final();
  return out;
}
function nodeAesSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv("aes-128-gcm", key, nonce);
  const out = c.update(plaintext);
  c.final();
  c.getAuthTag();
  return out;
}
const nodeExpand32 = (prk: Uint8Array, info: Uint8Array) =>
  createHmac("sha256", prk).update(info).update(Uint8Array.of(1)).digest();

interface Subtle {
  importKey(f: string, k: Uint8Array, a: unknown, e: boolean, u: string[]): Promise<unknown>;
  generateKey(a: unknown, e: boolean, u: string[]): Promise<{ publicKey: unknown; privateKey: unknown }>;
  deriveBits(a: unknown, k: unknown, n: number): Promise<ArrayBuffer>;
  sign(a: string, k: unknown, d: Uint8Array): Promise<ArrayBuffer>;
  verify(a: string, k: unknown, s: Uint8Array, d: Uint8Array): Promise<boolean>;
  decrypt(a: unknown, k: unknown, d: Uint8Array): Promise<ArrayBuffer>;
}
const subtle = (globalThis.crypto as unknown as { subtle: Subtle }).subtle;

async function primitives() {
  const seed = randomBytes(32);
  const pub = ed25519.getPublicKey(seed);
  const msg = randomBytes(300);
  const sig = ed25519.sign(msg, seed);
  const pkcs8 = Uint8Array.from([
    0x30,
    0x2e,
    0x02,
    0x01,
    0x00,
    0x30,
    0x05,
    0x06,
    0x03,
    0x2b,
    0x65,
    0x70,
    0x04,
    0x22,
    0x04,
    0x20,
    ...seed,
  ]);
  const signKey = await subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]);
  const verifyKey = await subtle.importKey("raw", pub, "Ed25519", false, ["verify"]);
  const xa = await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
  const xb = await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
  const xs = x25519.utils.randomSecretKey();
  const xp = x25519.getPublicKey(x25519.utils.randomSecretKey());
  const k16 = randomBytes(16);
  const freshKey = randomBytes(16);
  const k32 = randomBytes(32);
  const nonce = randomBytes(12);
  const pt = randomBytes(256);
  const ct = gcm(k16, nonce).encrypt(pt);
  const cct = chacha20poly1305(k32, nonce).encrypt(pt);
  const info = randomBytes(40);
  const nostrSk = schnorr.utils.randomSecretKey();
  const h32 = sha256(msg);
  const ssig = schnorr.sign(h32, nostrSk);
  const spub = schnorr.getPublicKey(nostrSk);
  const verifier = await loadVerifier();
  const someone = createDeviceIdentity(generateSecretKey());
  const ev = bindingEvent(someone.binding, someone.signaturePublicKey);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");
  const nodePub = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64(pub) }, format: "jwk" });
  const nodePriv = createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]),
    format: "der",
    type: "pkcs8",
  });
  const aad = randomBytes(30);
  const ctAad = gcm(k16, nonce, aad).encrypt(pt);
  const webAesOpen = async () => {
    const key = await subtle.importKey("raw", k16, { name: "AES-GCM" }, false, ["decrypt"]);
    return subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, ctAad);
  };
  const webHkdf = async () => {
    const key = await subtle.importKey("raw", k32, "HKDF", false, ["deriveBits"]);
    return subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info }, key, 256);
  };
  return {
    "X25519 (WebCrypto)": await micros(() =>
      subtle.deriveBits({ name: "X25519", public: xb.publicKey }, xa.privateKey, 256),
    ),
    "X25519 (@noble)": await micros(() => x25519.getSharedSecret(xs, xp)),
    "Ed25519 sign (WebCrypto, cached key)": await micros(() => subtle.sign("Ed25519", signKey, msg)),
    "Ed25519 verify (WebCrypto, cached key)": await micros(() =>
      subtle.verify("Ed25519", verifyKey, sig, msg),
    ),
    "Ed25519 verify (@noble)": await micros(() => ed25519.verify(sig, msg, pub)),
    "Ed25519 sign (node:crypto, cached KeyObject)": await micros(() => nodeSign(null, msg, nodePriv)),
    "Ed25519 verify (node:crypto, cached KeyObject)": await micros(() => nodeVerify(null, msg, nodePub, sig)),
    "AES-128-GCM seal 256 B, fresh key (@noble)": await micros(() => {
      freshKey[0] = ((freshKey[0] ?? 0) + 1) & 0xff; // a new key each call, as for MLS message keys
      return gcm(freshKey, nonce).encrypt(pt);
    }, 200),
    "AES-128-GCM open 256 B (@noble)": await micros(() => gcm(k16, nonce).decrypt(ct), 200),
    "AES-128-GCM open 256 B (node:crypto)": await micros(() => nodeAesOpen(k16, nonce, aad, ctAad), 200),
    "AES-128-GCM open 256 B (WebCrypto, import + open)": await micros(webAesOpen, 200),
    "ChaCha20-Poly1305 open 256 B (@noble)": await micros(
      () => chacha20poly1305(k32, nonce).decrypt(cct),
      200,
    ),
    "HKDF-SHA256 expand 32 B (@noble)": await micros(() => expand(sha256, k32, info, 32), 200),
    "HKDF-SHA256 expand 32 B (node:crypto HMAC)": await micros(() => nodeExpand32(k32, info), 200),
    "HKDF-SHA256 expand 32 B (WebCrypto, import + derive)": await micros(webHkdf, 200),
    "Schnorr verify (@noble)": await micros(() => schnorr.verify(ssig, h32, spub)),
    [`Schnorr verify, device binding (${verifier.backend})`]: await micros(() => verifier.verify(ev)),
  };
}

// The primitives one application message cannot avoid (RFC 9420 §6.3): sender-data key and nonce
// (2 HKDF), the sender's key, nonce and next chain secret (3 HKDF), two AES-GCM with fresh keys,
// and one Ed25519 check (decrypt) or signature (encrypt). Run as one operation right next to the
// engine's, so both see the same machine load.
const floorKeys = { seed: randomBytes(32), msg: randomBytes(300), k: randomBytes(16), n: randomBytes(12) };
let floorSign: unknown;
let floorVerify: unknown;
let floorSig: Uint8Array = new Uint8Array(64);
async function floorOp(kind: "decrypt" | "encrypt"): Promise<void> {
  if (floorSign === undefined) {
    const pkcs8 = Uint8Array.from([
      0x30,
      0x2e,
      0x02,
      0x01,
      0x00,
      0x30,
      0x05,
      0x06,
      0x03,
      0x2b,
      0x65,
      0x70,
      0x04,
      0x22,
      0x04,
      0x20,
      ...floorKeys.seed,
    ]);
    floorSign = await subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]);
    floorVerify = await subtle.importKey("raw", ed25519.getPublicKey(floorKeys.seed), "Ed25519", false, [
      "verify",
    ]);
    floorSig = ed25519.sign(floorKeys.msg, floorKeys.seed);
  }
  for (let i = 0; i < 5; i++) expand(sha256, floorKeys.seed, floorKeys.n, 32);
  for (let i = 0; i < 2; i++) {
    floorKeys.k[0] = ((floorKeys.k[0] ?? 0) + 1) & 0xff;
    gcm(floorKeys.k, floorKeys.n).encrypt(floorKeys.msg.subarray(0, 230));
  }
  if (kind === "decrypt") await subtle.verify("Ed25519", floorVerify, floorSig, floorKeys.msg);
  else await subtle.sign("Ed25519", floorSign, floorKeys.msg);
}

// The same primitives through node:crypto (the Node backend's floor): HMAC-based HKDF, native
// AES-GCM with a fresh key, Ed25519 with a cached KeyObject.
let nodeKeys:
  | { pub: ReturnType<typeof createPublicKey>; priv: ReturnType<typeof createPrivateKey> }
  | undefined;
function floorOpNode(kind: "decrypt" | "encrypt"): void {
  if (nodeKeys === undefined) {
    nodeKeys = {
      pub: createPublicKey({
        key: {
          kty: "OKP",
          crv: "Ed25519",
          x: Buffer.from(ed25519.getPublicKey(floorKeys.seed)).toString("base64url"),
        },
        format: "jwk",
      }),
      priv: createPrivateKey({
        key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), floorKeys.seed]),
        format: "der",
        type: "pkcs8",
      }),
    };
    floorSig = ed25519.sign(floorKeys.msg, floorKeys.seed);
  }
  for (let i = 0; i < 5; i++) nodeExpand32(floorKeys.seed, floorKeys.n);
  for (let i = 0; i < 2; i++) {
    floorKeys.k[0] = ((floorKeys.k[0] ?? 0) + 1) & 0xff;
    nodeAesSeal(floorKeys.k, floorKeys.n, floorKeys.msg.subarray(0, 230));
  }
  if (kind === "decrypt") nodeVerify(null, floorKeys.msg, nodeKeys.pub, floorSig);
  else nodeSign(null, floorKeys.msg, nodeKeys.priv);
}

/**
 * Processor time of the calling (main) thread in µs, where Linux tells it (`/proc/thread-self/schedstat`,
 * nanoseconds on the processor); NaN elsewhere. With processBatch the signature checks run on the
 * thread pool, so the main thread's time per message bounds the rate a machine with cores to spare
 * can reach, whatever else this one runs.
 */
function mainThreadMicros(): number {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1000;
  } catch {
    return Number.NaN;
  }
}

/** Processor time of this process (every thread: the main one and libuv's pool), in µs. */
function cpuMicros(): number {
  const c = globalThis.process.cpuUsage();
  return c.user + c.system;
}

async function floorRun(
  kind: "decrypt" | "encrypt",
  count: number,
  backend: string,
): Promise<{ perSec: number; cpuUs: number }> {
  const t = performance.now();
  const c = cpuMicros();
  if (backend === "node") for (let i = 0; i < count; i++) floorOpNode(kind);
  else for (let i = 0; i < count; i++) await floorOp(kind);
  return { perSec: count / ((performance.now() - t) / 1000), cpuUs: (cpuMicros() - c) / count };
}

/** The crypto backends compared: what a browser runs, and what the Node client runs. */
const BACKENDS: [string, () => Promise<MlsCryptoBackend>][] = [
  ["portable", () => portableBackend()],
  ["node", async () => nodeCryptoBackend()],
];

// ---- the engine at one size ---------------------------------------------------------------
async function device(): Promise<DeviceIdentity> {
  return createDeviceIdentity(generateSecretKey());
}

async function atSize(n: number) {
  const row: Record<string, string | number> = { members: n };
  const admin = await device();
  let group = await createGroup(admin, { name: `Bench ${n}`, relays: ["wss://relay.example.org"] });

  const t0 = performance.now();
  const others: { d: DeviceIdentity; kp: Awaited<ReturnType<typeof createKeyPackage>> }[] = [];
  for (let i = 1; i < n; i++) {
    const d = await device();
    others.push({ d, kp: await createKeyPackage(d) });
  }
  row.keyPackagesUs = ((performance.now() - t0) * 1000) / Math.max(1, n - 1);

  const [added, addAllUs] = await once(() =>
    addMembers(
      group,
      others.map((o) => o.kp.keyPackage),
    ),
  );
  group = added.state;
  row.addAllUs = addAllUs;
  row.welcomeBytes = added.welcomes[0]?.welcome.length ?? 0;
  row.treeBytes = added.ratchetTree.length;
  row.commitBytes = added.commit.length;
  const last = others[others.length - 1];
  let member: GroupState;
  if (last) {
    const w = added.welcomes.find((x) => x.pubkey === last.d.pubkey);
    // A joining device has verified nobody yet: start from a fresh engine (empty credential cache).
    configureMls();
    const [m, joinUs] = await once(() =>
      joinFromWelcome(w?.welcome as Uint8Array, last.kp.privateKeyPackage, added.ratchetTree),
    );
    member = m;
    row.joinUs = joinUs;
  } else {
    throw new Error("size must be at least 2");
  }

  // One more member: the commit, processing it, and the newcomer's join.
  const extra = await device();
  const extraKp = await createKeyPackage(extra);
  const [addOne, addOneUs] = await once(() => addMembers(group, [extraKp.keyPackage]));
  row.addOneUs = addOneUs;
  const [m2, processAddUs] = await once(() => process(member, addOne.commit));
  row.processAddUs = processAddUs;
  member = m2.state;
  group = addOne.state;

  // The first path after a bulk add reaches every leaf (RFC 9420 §7.9: blank parents have the
  // leaves below them as resolution); later ones only log2(n) nodes.
  const [up, updateUs] = await once(() => selfUpdate(group));
  row.updateUs = updateUs;
  const [m3, processUpdateUs] = await once(() => process(member, up.commit));
  row.processUpdateUs = processUpdateUs;
  group = up.state;
  member = m3.state;
  const [up2, update2Us] = await once(() => selfUpdate(member));
  row.update2Us = update2Us;
  const [g2, processUpdate2Us] = await once(() => process(group, up2.commit));
  row.processUpdate2Us = processUpdate2Us;
  group = g2.state;
  member = up2.state;

  const victim = others[0]?.d.pubkey;
  if (victim && victim !== last.d.pubkey) {
    const [rm, removeUs] = await once(() => removeMembers(group, [victim]));
    row.removeUs = removeUs;
    const [m4, processRemoveUs] = await once(() => process(member, rm.commit));
    row.processRemoveUs = processRemoveUs;
    group = rm.state;
    member = m4.state;
  }

  // Application messages, on each backend in turn from the same two states (the states are plain
  // values: any backend reads what any other sealed). The measured operation and its floor run back
  // to back, so both see the same machine load.
  const count = n >= 1000 ? Math.min(MESSAGES, 500) : MESSAGES;
  const pt = new TextEncoder().encode("x".repeat(200));
  let seq = member;
  for (const [name, make] of BACKENDS) {
    configureMls({ crypto: await make() });
    let sender = group;
    const sent: Uint8Array[] = [];
    const te = performance.now();
    for (let i = 0; i < count; i++) {
      const m = await encrypt(sender, pt);
      sender = m.state;
      sent.push(m.message);
    }
    row[`${name}.encryptPerSec`] = count / ((performance.now() - te) / 1000);
    row[`${name}.encryptFloorPerSec`] = (await floorRun("encrypt", count, name)).perSec;
    let reader = member;
    const best = (key: string, value: number, better: (a: number, b: number) => boolean) => {
      const k = `${name}.${key}`;
      const prev = row[k];
      if (typeof prev !== "number" || better(value, prev)) row[k] = value;
    };
    const higher = (a: number, b: number) => a > b;
    const lower = (a: number, b: number) => a < b;
    for (let r = 0; r < REPEAT; r++) {
      reader = member;
      const td = performance.now();
      const cd = cpuMicros();
      for (const m of sent) reader = (await process(reader, m)).state;
      best("decryptPerSec", count / ((performance.now() - td) / 1000), higher);
      best("decryptCpuUs", (cpuMicros() - cd) / count, lower);
      const floor = await floorRun("decrypt", count, name);
      best("decryptFloorPerSec", floor.perSec, higher);
      best("decryptFloorCpuUs", floor.cpuUs, lower);
      const tb = performance.now();
      const cb = cpuMicros();
      const mb = mainThreadMicros();
      const batch = await processBatch(member, sent);
      best("batchDecryptPerSec", count / ((performance.now() - tb) / 1000), higher);
      best("batchDecryptCpuUs", (cpuMicros() - cb) / count, lower);
      best("batchDecryptMainUs", (mainThreadMicros() - mb) / count, lower);
      if (!batch.results.every((r) => r.ok)) throw new Error("a benchmark message failed to decrypt");
    }
    seq = reader;
  }
  configureMls();

  const [epochPart, epochEncodeUs] = await once(async () => encodeEpochPart(seq));
  const [messagePart, messageEncodeUs] = await once(async () => encodeMessagePart(seq));
  row.epochPartBytes = epochPart.length;
  row.epochEncodeUs = epochEncodeUs;
  row.messagePartBytes = messagePart.length;
  row.messageEncodeUs = messageEncodeUs;
  row.finalMembers = members(group).length;
  return row;
}

// ---- report ---------------------------------------------------------------------------------
const prim = await primitives();
console.log("Primitives on this machine (mean per call):");
for (const [k, v] of Object.entries(prim))
  console.log(`  ${k.padEnd(48)} ${fmt(v).padStart(10)}   ${Math.round(1e6 / v).toLocaleString("en")} /s`);

const hkdf = prim["HKDF-SHA256 expand 32 B (@noble)"];
const aes = prim["AES-128-GCM seal 256 B, fresh key (@noble)"];
const verify = prim["Ed25519 verify (WebCrypto, cached key)"];
const sign = prim["Ed25519 sign (WebCrypto, cached key)"];
const x = prim["X25519 (WebCrypto)"];
const bindingVerify =
  Object.entries(prim).find(([k]) => k.startsWith("Schnorr verify, device binding"))?.[1] ?? 0;
// RFC 9420 §6.3: reading one application message needs the sender-data key and nonce (2 HKDF),
// the sender's key, nonce and next chain secret (3 HKDF), two AEAD opens and one signature check.
const decryptFloor = 5 * hkdf + 2 * aes + verify;
const encryptFloor = 5 * hkdf + 2 * aes + sign;
const nodeDecryptFloor =
  5 * prim["HKDF-SHA256 expand 32 B (node:crypto HMAC)"] +
  2 * prim["AES-128-GCM open 256 B (node:crypto)"] +
  prim["Ed25519 verify (node:crypto, cached KeyObject)"];
console.log(
  `\nFloors: decrypt = 5 HKDF + 2 AES-GCM + 1 Ed25519 verify = ${fmt(decryptFloor)} portable, ${fmt(nodeDecryptFloor)} node:crypto; encrypt (sign) = ${fmt(encryptFloor)} portable`,
);
console.log(
  `        join per member = 1 Ed25519 verify (leaf) + 1 Schnorr verify (binding) = ${fmt(verify + bindingVerify)}`,
);
console.log(`        commit per tree level ≈ 2 X25519 (HPKE seal) = ${fmt(2 * x)}\n`);

const rows = [];
for (const n of SIZES) {
  const t = performance.now();
  const r = await atSize(n);
  rows.push(r);
  const lg = Math.max(1, Math.ceil(Math.log2(n)));
  const us = (k: string) => Number(r[k] ?? Number.NaN);
  console.log(`== ${n} members (built and measured in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  console.log(`  key package (per device, incl. binding)  ${fmt(us("keyPackagesUs"))}`);
  console.log(
    `  add ${n - 1} in one commit                 ${fmt(us("addAllUs"))}   commit ${kb(us("commitBytes"))}, welcome ${kb(us("welcomeBytes"))} each, tree ${kb(us("treeBytes"))}`,
  );
  console.log(
    `  join                                     ${fmt(us("joinUs"))}   = ${(us("joinUs") / (n * (verify + bindingVerify))).toFixed(1)}× n·(verify + binding)`,
  );
  console.log(
    `  add 1 member (commit)                    ${fmt(us("addOneUs"))}   process it ${fmt(us("processAddUs"))}`,
  );
  console.log(
    `  first update commit after the bulk add   ${fmt(us("updateUs"))}   = ${(us("updateUs") / lg / (2 * x)).toFixed(1)}× log2(n)·2·X25519; process it ${fmt(us("processUpdateUs"))}`,
  );
  console.log(
    `  later update commit (another member)     ${fmt(us("update2Us"))}   = ${(us("update2Us") / lg / (2 * x)).toFixed(1)}× log2(n)·2·X25519; process it ${fmt(us("processUpdate2Us"))}`,
  );
  console.log(
    `  remove 1 member (commit)                 ${fmt(us("removeUs"))}   process it ${fmt(us("processRemoveUs"))}`,
  );
  for (const [name] of BACKENDS) {
    const b = (k: string) => us(`${name}.${k}`);
    console.log(`  ${name} crypto backend:`);
    console.log(
      `    encrypt                                ${Math.round(b("encryptPerSec")).toLocaleString("en")} msg/s; the bare primitives ${Math.round(b("encryptFloorPerSec")).toLocaleString("en")}/s: ${(b("encryptFloorPerSec") / b("encryptPerSec")).toFixed(2)}× floor`,
    );
    console.log(
      `    decrypt, one at a time                 ${Math.round(b("decryptPerSec")).toLocaleString("en")} msg/s; the bare primitives ${Math.round(b("decryptFloorPerSec")).toLocaleString("en")}/s: ${(b("decryptFloorPerSec") / b("decryptPerSec")).toFixed(2)}× floor`,
    );
    console.log(
      `    decrypt, processBatch                  ${Math.round(b("batchDecryptPerSec")).toLocaleString("en")} msg/s: ${(b("decryptFloorPerSec") / b("batchDecryptPerSec")).toFixed(2)}× floor`,
    );
    // Processor time per message (all threads) does not depend on what else the machine runs.
    console.log(
      `    decrypt, processor time per message    one at a time ${fmt(b("decryptCpuUs"))}, processBatch ${fmt(b("batchDecryptCpuUs"))} (all threads); the bare primitives ${fmt(b("decryptFloorCpuUs"))}`,
    );
    console.log(
      `    decrypt, processBatch main thread      ${fmt(b("batchDecryptMainUs"))} per message: at most ${Math.round(1e6 / b("batchDecryptMainUs")).toLocaleString("en")} msg/s with cores to spare for the checks`,
    );
  }
  console.log(
    `  saved state: epoch part ${kb(us("epochPartBytes"))} (${fmt(us("epochEncodeUs"))}), message part ${kb(us("messagePartBytes"))} (${fmt(us("messageEncodeUs"))})\n`,
  );
}
const small = rows[0];
const fig = (k: string) => Math.round(Number(small?.[k])).toLocaleString("en");
console.log(
  `Application decrypts at ${small?.members} members (target ≥ 5,000/s): node backend ${fig("node.batchDecryptPerSec")}/s in batches, ${fig("node.decryptPerSec")}/s one at a time (bare primitives ${fig("node.decryptFloorPerSec")}/s); portable backend ${fig("portable.batchDecryptPerSec")}/s in batches, ${fig("portable.decryptPerSec")}/s one at a time (bare primitives ${fig("portable.decryptFloorPerSec")}/s)`,
);
console.log(
  `Processor time per decrypt at ${small?.members} members, node backend: ${fmt(Number(small?.["node.batchDecryptCpuUs"]))} in batches (main thread ${fmt(Number(small?.["node.batchDecryptMainUs"]))}), ${fmt(Number(small?.["node.decryptCpuUs"]))} one at a time; bare primitives ${fmt(Number(small?.["node.decryptFloorCpuUs"]))}`,
);

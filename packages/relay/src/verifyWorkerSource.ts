/**
 * The program each signature-checking worker thread runs, as source text: the relay ships as one
 * bundle (and runs from its TypeScript sources before a build), so a worker file beside it cannot be
 * relied on; an evaluated script runs the same either way. It loads the verifier named in
 * `workerData` by URL (resolved by the relay thread, so both find the same copy).
 *
 * Protocol: the relay posts `{ seq, events }` where `events` is the events' NIP-01 JSON joined by
 * "\n" (JSON never holds a raw newline), one string so the copy between threads stays cheap; the
 * worker answers `{ seq, codes }`, a Uint8Array with one code per event (`VerifyCode`).
 */
export const VERIFY_WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
// nostr-tools' own checks of NIP-01's field types (a lowercase 32-byte pubkey, a numeric kind and
// created_at, string content, tags of strings), loaded for every backend: other shapes are left to
// the relay thread, which refuses them in plain words.
const pure = import(workerData.pureUrl);
async function load() {
  if (workerData.backend === "native" && workerData.nativePath) {
    const schnorr = require(workerData.nativePath);
    const hex = (s, n) => typeof s === "string" && s.length === n && /^[0-9a-f]*$/.test(s);
    return (e) => {
      try {
        if (!hex(e.sig, 128)) return false;
        return schnorr.verify(Buffer.from(e.id, "hex"), Buffer.from(e.sig, "hex"), Buffer.from(e.pubkey, "hex"));
      } catch { return false; }
    };
  }
  if (workerData.backend === "wasm") {
    const nw = await (await import(workerData.wasmUrl)).initNostrWasm();
    return (e) => { try { nw.verifyEvent(e); return true; } catch { return false; } };
  }
  const { verifyEvent } = await pure;
  return (e) => { try { return verifyEvent(e); } catch { return false; } };
}
const ready = load();
parentPort.on("message", async (msg) => {
  const verify = await ready;
  const { validateEvent } = await pure;
  const lines = msg.events.split("\\n");
  const codes = new Uint8Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    let code = 3;
    try {
      const p = JSON.parse(lines[i]);
      // The seven fields in NIP-01 order: a fresh object, as the relay thread's verifier uses.
      const e = { id: p.id, pubkey: p.pubkey, created_at: p.created_at, kind: p.kind, tags: p.tags, content: p.content, sig: p.sig };
      if (validateEvent(e)) {
        const id = createHash("sha256")
          .update(JSON.stringify([0, e.pubkey, e.created_at, e.kind, e.tags, e.content]))
          .digest("hex");
        code = id !== e.id ? 1 : verify(e) ? 0 : 2;
      }
    } catch {
      code = 3;
    }
    codes[i] = code;
  }
  parentPort.postMessage({ seq: msg.seq, codes }, [codes.buffer]);
});
`;

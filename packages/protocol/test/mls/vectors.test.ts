/**
 * The backend conformance suite (`backendConformance.ts`: RFC 9420 suite-1 vectors and agreement with
 * @noble) on the portable backends: WebCrypto Ed25519 with @noble for the rest, and all-@noble.
 */
import { expect, it } from "vitest";
import { nobleBackend, portableBackend } from "../../src/mls/cryptoBackend.ts";
import { backendConformance } from "./backendConformance.ts";

backendConformance("the portable backend (WebCrypto Ed25519)", async () => {
  const b = await portableBackend();
  // Node 20 has WebCrypto Ed25519, so the portable backend must not have fallen back here.
  expect(b.name).toBe("webcrypto");
  return b;
});
backendConformance("the @noble backend", async () => nobleBackend);

it("portableBackend falls back to @noble when asked", async () => {
  expect((await portableBackend({ nobleSignatures: true })).name).toBe("noble");
});

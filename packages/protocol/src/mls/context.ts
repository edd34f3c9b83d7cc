/**
 * The engine's configuration: one ciphersuite implementation (our fast provider), Rally's
 * authentication service and ts-mls's client config. RFC 9420 leaves these to the application;
 * ts-mls 2.0 takes them per call as an `MlsContext` rather than storing them in the state, so a
 * decoded state needs nothing re-attached: every engine call passes the current context.
 *
 * The context is built once per process, lazily; `configureMls` replaces it (randomness for tests,
 * a Schnorr verifier, the retention window, the crypto backend: a host with faster native
 * primitives than the portable ones passes them here, see `cryptoBackend.ts`).
 */

import {
  type ClientConfig,
  defaultKeyPackageEqualityConfig,
  defaultLifetimeConfig,
  type MlsContext,
  type Rng,
} from "ts-mls";
import type { EventVerifier } from "../nostr/verify.ts";
import { rallyAuthenticationService } from "./credential.ts";
import type { MlsCryptoBackend } from "./cryptoBackend.ts";
import { rallyCiphersuite } from "./cryptoProvider.ts";

export interface MlsEngineOptions {
  /** Randomness for MLS and group ids. Default: the platform CSPRNG. */
  random?: (n: number) => Uint8Array;
  /** Schnorr verifier for device bindings. Default: WASM libsecp256k1 when it loads, else pure JS. */
  verifier?: EventVerifier;
  /**
   * The primitives (SHA-256, HKDF, AES-GCM, Ed25519) to run on. Default: the portable backend
   * (@noble and WebCrypto). Every backend gives byte-identical results.
   */
  crypto?: MlsCryptoBackend;
  /** Without `crypto`: use @noble Ed25519 instead of WebCrypto (benchmarks compare both). */
  nobleSignatures?: boolean;
  /** Past epochs whose keys are kept so late messages still decrypt. Default 3. */
  retainEpochs?: number;
  /** Skipped message keys kept per sender and epoch, for out-of-order delivery. Default 64. */
  retainGenerations?: number;
}

export interface EngineContext {
  mls: MlsContext;
  random: (n: number) => Uint8Array;
}

export const DEFAULT_RETAIN_EPOCHS = 3;
export const DEFAULT_RETAIN_GENERATIONS = 64;
/** Farthest a sender's chain may be ratcheted forward by one message (bounds the work a member can force). */
export const MAX_FORWARD_RATCHET = 2000;

function clientConfig(options: MlsEngineOptions): ClientConfig {
  return {
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    // No MLS-level padding (RFC 9420 §6.3 leaves it to the application): the transport pads the
    // whole MLS message into size buckets before encrypting it again (wire/padding.ts), so
    // padding here too would only cost bytes and AEAD work.
    paddingConfig: { kind: "padUntilLength", padUntilLength: 0 },
    keyRetentionConfig: {
      retainKeysForEpochs: options.retainEpochs ?? DEFAULT_RETAIN_EPOCHS,
      retainKeysForGenerations: options.retainGenerations ?? DEFAULT_RETAIN_GENERATIONS,
      maximumForwardRatchetSteps: MAX_FORWARD_RATCHET,
    },
  };
}

async function build(options: MlsEngineOptions): Promise<EngineContext> {
  const rng: Rng | undefined = options.random ? { randomBytes: options.random } : undefined;
  const cipherSuite = await rallyCiphersuite({
    ...(rng ? { rng } : {}),
    ...(options.crypto ? { backend: options.crypto } : {}),
    ...(options.nobleSignatures ? { nobleSignatures: true } : {}),
  });
  return {
    mls: {
      cipherSuite,
      authService: rallyAuthenticationService(options.verifier ? { verifier: options.verifier } : {}),
      clientConfig: clientConfig(options),
    },
    random: (n) => cipherSuite.rng.randomBytes(n),
  };
}

let current: Promise<EngineContext> | undefined;

/** Replaces the engine configuration for every later call in this process. */
export function configureMls(options: MlsEngineOptions = {}): void {
  current = build(options);
}

/** The engine context (built on first use). */
export function engineContext(): Promise<EngineContext> {
  current ??= build({});
  return current;
}

/**
 * Hex helpers for the client (the same encoding as @noble/hashes, re-exported so client files have
 * one import for it).
 *
 * Runs in: Node and browsers (pure).
 */
export { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";

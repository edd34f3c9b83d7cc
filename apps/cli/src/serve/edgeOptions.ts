/**
 * The flags that put a relay (`rally relay`) or a whole node (`rally serve`) where other people
 * reach it: `--public-url` (repeatable), `--tls-cert FILE --tls-key FILE`, and the rule that a
 * non-loopback `--host` needs one of them. Plain HTTP on a network would let anyone on the way read
 * the relay's traffic and — worse, for `rally serve` — change the web app's code, which holds
 * people's keys; so the node refuses to start that way and says how to do it safely.
 */
import fs from "node:fs";
import tls from "node:tls";
import { isLoopbackHost } from "@rally/relay";
import { CliError, errorMessage } from "../cli/output.ts";

export interface EdgeFlags {
  host: string;
  publicUrl?: string[];
  tlsCert?: string;
  tlsKey?: string;
}

export interface Edge {
  /** As given, validated: `wss://`, `https://` (or `ws://`, `http://` for a local proxy). */
  publicUrls: string[];
  tls?: { cert: Buffer; key: Buffer };
}

/** Commander collector for a repeatable `--public-url`. */
export function collectUrl(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const isSecureUrl = (url: string) => /^(wss|https):\/\//i.test(url);

function checkPublicUrl(url: string): string {
  const trimmed = url.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(trimmed);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^(wss?|https?):$/.test(parsed.protocol) || parsed.hostname === "")
    throw new CliError(
      `--public-url must be the address people use, like https://rally.example.org or wss://relay.example.org (got "${url}")`,
    );
  return trimmed;
}

function readPem(file: string, what: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new CliError(`cannot read the TLS ${what} ${file} (${errorMessage(error)}); check ${flag}`);
  }
}

/** Checks the flags; throws a `CliError` in plain words that says what to do. */
export function edgeOptions(flags: EdgeFlags): Edge {
  const publicUrls = (flags.publicUrl ?? []).map(checkPublicUrl);
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
    throw new CliError("TLS needs both --tls-cert FILE (the certificate chain) and --tls-key FILE (its key)");
  let secure: Edge["tls"];
  if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) {
    const cert = readPem(flags.tlsCert, "certificate", "--tls-cert");
    const key = readPem(flags.tlsKey, "key", "--tls-key");
    try {
      tls.createSecureContext({ cert, key });
    } catch (error) {
      throw new CliError(
        `the TLS certificate and key cannot be used (${errorMessage(error)}); --tls-cert and --tls-key take PEM files, the key unencrypted and matching the certificate`,
      );
    }
    secure = { cert, key };
  }
  if (!isLoopbackHost(flags.host) && secure === undefined && !publicUrls.some(isSecureUrl))
    throw new CliError(
      `refusing to listen on ${flags.host} over plain HTTP: anyone on the network could read the relay's traffic and change the web app people load. ` +
        "Either turn on TLS with --tls-cert FILE --tls-key FILE, or run behind a reverse proxy that speaks HTTPS " +
        "(such as Caddy, see the README) and give its address with --public-url https://…",
    );
  return { publicUrls, ...(secure ? { tls: secure } : {}) };
}

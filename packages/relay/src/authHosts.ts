/**
 * The names under which a NIP-42 answer may say it was made for this relay: the configured public
 * URLs and the address the relay listens on — never the client's `Host` header, which whoever opens
 * the connection chooses (a relay that trusted it would accept an AUTH a person signed for another
 * relay, whose operator passed them this relay's challenge).
 *
 * The listening address stands for what reaches it: a loopback address also answers to
 * `localhost`; a wildcard (`0.0.0.0`, `::`) to each address of this machine's interfaces; a TLS
 * listener to the names its certificate is for (no other relay can prove those names, so an AUTH
 * made for one of them was made for this one), wildcard names excepted.
 */
import { X509Certificate } from "node:crypto";
import os from "node:os";
import { relayHost } from "@rally/protocol/nostr";

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return (
    h === "localhost" ||
    h === "::1" ||
    /^127\.\d+\.\d+\.\d+$/.test(h) ||
    /^::ffff:127\.\d+\.\d+\.\d+$/.test(h)
  );
}

export function isWildcardHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "0.0.0.0" || h === "::" || h === "";
}

/** `host[:port]` as `relayHost` writes it for a URL of this kind (default ports dropped). */
export function hostWithPort(host: string, port: number, secure: boolean): string {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  const h = bare.includes(":") ? `[${bare}]` : bare;
  return port === (secure ? 443 : 80) ? h : `${h}:${port}`;
}

function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.address.replace(/%.*$/, ""));
}

export interface AuthHostOptions {
  /** `wss://…`, `https://…` (or `ws://`, `http://`) URLs people use to reach this relay. */
  publicUrls: readonly string[];
  /** The interface it listens on. */
  host: string;
  port: number;
  /** TLS on the listening socket. */
  secure: boolean;
  /** The machine's addresses, for a wildcard listener (tests give their own). */
  interfaces?: () => string[];
  /** The TLS listener's certificate (PEM; the first of a chain is the relay's). */
  certificate?: string | Buffer;
}

/** DNS names and IP addresses a certificate is for, but `*.` names. */
export function certificateNames(pem: string | Buffer): string[] {
  const san = new X509Certificate(pem).subjectAltName ?? "";
  return san
    .split(/,\s*/)
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry.trim())?.[1]?.trim())
    .filter((name): name is string => name !== undefined && name !== "" && !name.includes("*"));
}

/** `host[:port]` entries, lowercased, without duplicates. */
export function authHosts(options: AuthHostOptions): string[] {
  const out = new Set<string>();
  for (const url of options.publicUrls) {
    const h = relayHost(url);
    if (h !== undefined) out.add(h);
  }
  const listening = isWildcardHost(options.host)
    ? [...(options.interfaces ?? interfaceAddresses)(), "localhost"]
    : options.host === "localhost"
      ? ["localhost", "127.0.0.1", "::1"]
      : isLoopbackHost(options.host)
        ? [options.host, "localhost"]
        : [options.host];
  if (options.certificate !== undefined) listening.push(...certificateNames(options.certificate));
  for (const h of listening) out.add(hostWithPort(h, options.port, options.secure));
  return [...out];
}

/** A plain `host[:port]`: the only form of a client's text that goes to the log. */
const PLAIN_HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/**
 * One log line for each name (at most `max`) that sign-ins were made for but this relay does not
 * answer to. Behind a reverse proxy without a public URL every sign-in from the web app is refused,
 * and the operator should learn why; the lines are bounded and show only plain host names (the
 * client chose the text), nothing about the client.
 */
export class ForeignRelayNames {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 10) {}

  /** The line to log for an AUTH refused for its relay tag, or undefined when there is nothing new. */
  note(relayUrl: string | undefined): string | undefined {
    const host = relayUrl === undefined ? undefined : relayHost(relayUrl);
    if (host === undefined || !PLAIN_HOST.test(host)) return undefined;
    if (this.seen.has(host) || this.seen.size >= this.max) return undefined;
    this.seen.add(host);
    return (
      `refused a sign-in (NIP-42) made for ${host}, which is not one of this relay's addresses; ` +
      `if people reach the relay there through a reverse proxy, start it with --public-url wss://${host}`
    );
  }
}

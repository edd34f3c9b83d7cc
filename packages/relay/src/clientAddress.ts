/**
 * The key under which per-address limits count a client: its IPv4 address, or the /64 network of
 * its IPv6 address (one home or server usually holds a whole /64, so counting single IPv6
 * addresses would let one machine pose as billions of clients). Keys live only in memory, in the
 * limiters' maps, and are never logged or stored.
 */
import net from "node:net";

/** Expands an IPv6 address to its eight 16-bit groups (undefined when it is not one). */
function ipv6Groups(address: string): number[] | undefined {
  const zone = address.indexOf("%");
  const a = zone >= 0 ? address.slice(0, zone) : address;
  if (net.isIPv6(a) === false) return undefined;
  let head = a;
  let tail = "";
  const dbl = a.indexOf("::");
  if (dbl >= 0) {
    head = a.slice(0, dbl);
    tail = a.slice(dbl + 2);
  }
  const parse = (part: string): number[] => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (g.includes(".")) {
        // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
        const [b0, b1, b2, b3] = g.split(".").map(Number) as [number, number, number, number];
        out.push((b0 << 8) | b1, (b2 << 8) | b3);
      } else out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  if (dbl < 0) return h;
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** `1.2.3.4` for IPv4 (also when mapped into IPv6), `2001:db8:1:2::/64` for IPv6; "" when unknown. */
export function addressKey(remote: string | undefined): string {
  if (remote === undefined || remote === "") return "";
  if (net.isIPv4(remote)) return remote;
  const groups = ipv6Groups(remote);
  if (groups === undefined || groups.length !== 8) return remote;
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address it stands for.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/**
 * The address a client connects from: the socket's, or — behind a reverse proxy the operator
 * vouches for (`trustProxy`) — the last `X-Forwarded-For` entry, the one that proxy appended.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy: boolean,
): string | undefined {
  if (!trustProxy || forwardedFor === undefined) return socketAddress;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
  const last = header
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .pop();
  return last ?? socketAddress;
}

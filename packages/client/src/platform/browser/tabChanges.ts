/**
 * Tabs of one account tell each other what they changed. Every tab runs its own engine over the
 * same IndexedDB database (taking turns through the device lock), so a message sent from one tab is
 * in the other's store at once — but that tab's UI re-reads only when its own engine says something
 * changed. Each change is passed on over a `BroadcastChannel` named after the database and said
 * again by the other tabs' engines; a new or renamed account is read again under the lock first.
 *
 * Runs in: browsers (windows and workers).
 */
import type { ChangeListener } from "../../api.ts";
import type { Device } from "../../device.ts";

type Change = Parameters<ChangeListener>[0];

interface Channel {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

type ChannelConstructor = new (name: string) => Channel;

/** Starts passing changes between this engine and the other tabs'; returns how to stop. */
export function shareChangesAcrossTabs(core: Device, dbName: string): () => void {
  const Impl = (globalThis as { BroadcastChannel?: ChannelConstructor }).BroadcastChannel;
  if (!Impl) return () => undefined;
  const channel = new Impl(`rally-changes:${dbName}`);
  let relaying = false;
  const off = core.onChange((change) => {
    // Connection state is this tab's own; and what another tab told us is not sent back.
    if (relaying || change.kind === "connection") return;
    channel.postMessage(change);
  });
  channel.onmessage = (event) => {
    const change = parseChange(event.data);
    if (!change) return;
    const say = () => {
      relaying = true;
      try {
        core.emit(change.kind, change.group);
      } finally {
        relaying = false;
      }
    };
    // The account lives in memory too: take the lock, which reads it again, before saying so.
    if (change.kind === "account") void core.exclusive(async () => undefined).then(say, say);
    else say();
  };
  return () => {
    off();
    channel.onmessage = null;
    channel.close();
  };
}

const KINDS = new Set(["account", "groups", "chat", "events", "polls", "names", "invites"]);

function parseChange(data: unknown): Change | null {
  if (typeof data !== "object" || data === null) return null;
  const { kind, group } = data as { kind?: unknown; group?: unknown };
  if (typeof kind !== "string" || !KINDS.has(kind)) return null;
  if (group !== undefined && typeof group !== "string") return null;
  return group === undefined ? { kind: kind as Change["kind"] } : { kind: kind as Change["kind"], group };
}

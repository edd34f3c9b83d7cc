/**
 * This device's MLS identity and key packages (docs/PROTOCOL.md "Key packages"; Marmot MIP-00).
 *
 * - The device identity (an Ed25519 MLS signature key bound to the person's Nostr key) is made once
 *   and kept in kv `device`.
 * - The device owns one addressable slot (`d` tag, random, never derived from keys) of kind 30443 on
 *   the account's relays, holding a last-resort key package: several people may add the device
 *   with it before it is replaced. Once a welcome has used it, a fresh one replaces it in the same
 *   slot (addressable events: the relay keeps only the newest).
 * - The private parts of the last few packages stay on the device (kv `keypackage/<event id>`), so a
 *   welcome made from a package someone fetched just before rotation still opens.
 * - The inbox relay list (kind 10050) says where welcomes should go.
 *
 * Runs in: Node and browsers.
 */
import { signEvent } from "@rally/protocol/identity";
import {
  createDeviceIdentity,
  createKeyPackage,
  type DeviceIdentity,
  decodeDeviceIdentity,
  encodeDeviceIdentity,
  LAST_RESORT_EXTENSION,
  parseKeyPackage,
  RALLY_GROUP_DATA_EXTENSION,
} from "@rally/protocol/mls";
import { KIND_KEY_PACKAGE } from "@rally/protocol/nostr";
import {
  buildInboxRelaysEvent,
  buildKeyPackageEvent,
  newKeyPackageSlot,
  parseKeyPackageEvent,
} from "@rally/protocol/wire";
import type { NostrEvent } from "nostr-tools/core";
import type { Device } from "../device.ts";
import { rallyError } from "../errors.ts";
import { bytesToHex, hexToBytes } from "../hex.ts";
import { Outbox } from "../net/outbox.ts";
import { keys } from "../store/keys.ts";
import type { WriteOp } from "../store/store.ts";

/** Private parts kept, newest first; older ones are deleted. */
const KEEP_KEY_PACKAGES = 6;

export interface DeviceRecord {
  v: 1;
  /** `encodeDeviceIdentity`, hex (holds the device's secret signing key). */
  identity: string;
  /** This device's key package slot (`d`). */
  slot: string;
  /** Event id of the key package currently published in the slot. */
  current: string | null;
}

export interface KeyPackageRecord {
  eventId: string;
  ref: string;
  createdAt: number;
  /** Private key package, hex. */
  private: string;
  used: boolean;
  /** The signed kind 30443 event (join requests carry it). */
  event: NostrEvent;
}

export class KeyPackages {
  private device: DeviceIdentity | null = null;

  constructor(private readonly core: Device) {}

  /** This device's MLS identity, created on first use. */
  async identity(): Promise<DeviceIdentity> {
    if (this.device) return this.device;
    const record = await this.core.store.get<DeviceRecord>(keys.device);
    if (record) {
      this.device = decodeDeviceIdentity(hexToBytes(record.identity));
      if (this.device.pubkey !== this.core.requireAccount().pubkey) {
        // A device record from another account (the home was reused): start a fresh device.
        this.device = null;
      } else {
        return this.device;
      }
    }
    const { secretKey } = this.core.requireSecrets();
    const device = createDeviceIdentity(secretKey);
    const fresh: DeviceRecord = {
      v: 1,
      identity: bytesToHex(encodeDeviceIdentity(device)),
      slot: newKeyPackageSlot(),
      current: null,
    };
    await this.core.store.batch([{ op: "put", key: keys.device, value: fresh }]);
    this.device = device;
    return device;
  }

  private async deviceRecord(): Promise<DeviceRecord> {
    await this.identity();
    const record = await this.core.store.get<DeviceRecord>(keys.device);
    if (!record) throw new Error("device record missing");
    return record;
  }

  /** The key package currently published (making and queueing one if there is none). */
  async current(): Promise<KeyPackageRecord> {
    const record = await this.deviceRecord();
    if (record.current) {
      const kp = await this.core.store.get<KeyPackageRecord>(keys.keyPackage(record.current));
      if (kp && !kp.used) return kp;
    }
    return this.publishNew();
  }

  /** Makes a new last-resort key package, stores its private part, queues the event for the account's relays. */
  async publishNew(): Promise<KeyPackageRecord> {
    const account = this.core.requireAccount();
    const { secretKey } = this.core.requireSecrets();
    const device = await this.identity();
    const record = await this.deviceRecord();
    const now = this.core.now();
    const kp = await createKeyPackage(device, { lastResort: true, now });
    const event = signEvent(
      buildKeyPackageEvent({
        keyPackage: kp.keyPackage,
        slot: record.slot,
        extensions: [RALLY_GROUP_DATA_EXTENSION, LAST_RESORT_EXTENSION],
        relays: account.relays,
        ref: kp.ref,
        now,
      }),
      secretKey,
    );
    const kpRecord: KeyPackageRecord = {
      eventId: event.id,
      ref: kp.ref,
      createdAt: now,
      private: bytesToHex(kp.privateKeyPackage),
      used: false,
      event,
    };
    const ops: WriteOp[] = [
      { op: "put", key: keys.keyPackage(event.id), value: kpRecord },
      { op: "put", key: keys.device, value: { ...record, current: event.id } },
      Outbox.prepare(event, account.relays, { label: "key package", now: this.core.nowMs() }).op,
      ...(await this.pruneOps(event.id)),
    ];
    await this.core.store.batch(ops);
    this.core.wakeOutbox();
    return kpRecord;
  }

  /** Queues the inbox relay list (kind 10050): where welcomes for this person go. */
  async publishInboxRelays(): Promise<void> {
    const account = this.core.requireAccount();
    const { secretKey } = this.core.requireSecrets();
    const event = signEvent(
      buildInboxRelaysEvent({ relays: account.relays, now: this.core.now() }),
      secretKey,
    );
    await this.core.store.batch([
      Outbox.prepare(event, account.relays, { label: "inbox relays", now: this.core.nowMs() }).op,
    ]);
    this.core.wakeOutbox();
  }

  /** The private part for a key package event id, if this device made it. */
  async privatePart(eventId: string): Promise<KeyPackageRecord | undefined> {
    return this.core.store.get<KeyPackageRecord>(keys.keyPackage(eventId));
  }

  /** Notes that a welcome used a package; replaces it on relays if it is the published one. */
  async markUsed(eventId: string): Promise<void> {
    const kp = await this.privatePart(eventId);
    if (!kp || kp.used) return;
    await this.core.store.batch([{ op: "put", key: keys.keyPackage(eventId), value: { ...kp, used: true } }]);
    const record = await this.deviceRecord();
    if (record.current === eventId) await this.publishNew();
  }

  /**
   * Empties, on the account's relays, the key package slots of the person's devices that `which`
   * picks (by the device's MLS signature key and the slot): an addressable event replaced by a newer,
   * empty one, so nobody inviting the person adds those devices again. This device's own slot is
   * never emptied. Returns how many slots were; throws when no relay answers.
   */
  async withdraw(
    which: (signatureKey: string, slot: string) => boolean,
    /** Relays besides the account's where key packages of the person may be (a backup's). */
    alsoOn: readonly string[] = [],
  ): Promise<number> {
    const account = this.core.requireAccount();
    const { secretKey } = this.core.requireSecrets();
    const own = (await this.deviceRecord()).slot;
    const relays = [...new Set([...account.relays, ...alsoOn])];
    const { events, report } = await this.core.transport.fetch(this.core.transport.anonymous, relays, [
      { kinds: [KIND_KEY_PACKAGE], authors: [account.pubkey] },
    ]);
    if (!report.any)
      throw rallyError(
        "unreachable",
        `Could not reach any relay (${relays.join(", ")}) to withdraw the key packages of your other devices: run the command again once one is up.`,
      );
    const slots = new Map<string, number>();
    for (const e of events) {
      try {
        const kp = parseKeyPackageEvent(e);
        if (kp.slot === own) continue;
        if (which((await parseKeyPackage(kp.keyPackage)).signaturePublicKey, kp.slot)) {
          slots.set(kp.slot, Math.max(slots.get(kp.slot) ?? 0, e.created_at));
        }
      } catch {
        // Not a key package (an emptied slot, or damaged): nothing to withdraw.
      }
    }
    const ops: WriteOp[] = [];
    for (const [slot, at] of slots) {
      // NIP-70 protected, as the key package it replaces: only the person may publish it. Dated
      // after it, so that every relay keeps the empty one (NIP-01: the newer replaces).
      const empty = signEvent(
        {
          kind: KIND_KEY_PACKAGE,
          created_at: Math.max(this.core.now(), at + 1),
          tags: [["d", slot], ["-"]],
          content: "",
        },
        secretKey,
      );
      ops.push(
        Outbox.prepare(empty as NostrEvent, relays, {
          label: "withdrawn key package",
          now: this.core.nowMs(),
        }).op,
      );
    }
    if (ops.length > 0) {
      await this.core.store.batch(ops);
      this.core.wakeOutbox();
    }
    return slots.size;
  }

  private async pruneOps(keep: string): Promise<WriteOp[]> {
    const all = await this.core.store.list<KeyPackageRecord>(keys.keyPackagePrefix);
    const sorted = all
      .map((r) => r.value)
      .filter((r) => r.eventId !== keep)
      .sort((a, b) => b.createdAt - a.createdAt);
    return sorted
      .slice(KEEP_KEY_PACKAGES - 1)
      .map((r): WriteOp => ({ op: "delete", key: keys.keyPackage(r.eventId) }));
  }
}

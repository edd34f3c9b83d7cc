/**
 * Account operations over the store: create, recover from the twelve words, lock and unlock with a
 * passphrase, rename, change relays, export a backup. A new or recovered account publishes (through
 * the durable outbox) its device's key package and its inbox relay list, so others can invite it.
 *
 * Recovery restores the person's key; MLS keys are per device and never leave it, so the groups
 * come back through the account backup on the person's relays (`sync/rejoin.ts`, PROTOCOL.md 17)
 * or when someone invites the person again.
 *
 * Runs in: Node and browsers.
 */
import { createPerson, encryptSecretKey, npubEncode } from "@rally/protocol/identity";
import type { AccountInfo } from "../api.ts";
import type { Device } from "../device.ts";
import { asRallyError, rallyError } from "../errors.ts";
import { keys } from "../store/keys.ts";
import {
  type AccountRecord,
  type AccountSecrets,
  accountFromWords,
  checkName,
  checkRelays,
  protectAccount,
  readAccountRecord,
  unlockAccount,
} from "./accountRecord.ts";
import { KeyPackages } from "./keyPackages.ts";

/** The name a recovered account has until the person picks one (or a group tells it the old one). */
export const RECOVERED_NAME = "Me";

export class AccountService {
  readonly keyPackages: KeyPackages;

  constructor(private readonly core: Device) {
    this.keyPackages = new KeyPackages(core);
  }

  /** Loads the stored account (and unlocks it when it is plain or the passphrase is given). */
  async load(passphrase: string | null = null): Promise<void> {
    if (this.core.vault?.locked) {
      // Nothing of the account can be read until the device is unlocked.
      this.core.account = null;
      this.core.secrets = null;
      return;
    }
    const value = await this.core.store.get(keys.account);
    if (value === undefined) {
      this.core.account = null;
      this.core.secrets = null;
      return;
    }
    const record = readAccountRecord(value);
    this.core.account = record;
    try {
      this.core.secrets = unlockAccount(record, passphrase);
    } catch (e) {
      if ((e as { code?: string }).code === "locked") this.core.secrets = null;
      else throw asRallyError(e);
    }
  }

  info(): AccountInfo | null {
    const a = this.core.account;
    if (!a) return null;
    return { npub: npubEncode(a.pubkey), pubkey: a.pubkey, name: a.name, relays: [...a.relays] };
  }

  async unlock(passphrase: string): Promise<void> {
    const record = this.core.requireAccount();
    try {
      this.core.secrets = unlockAccount(record, passphrase);
    } catch (e) {
      throw asRallyError(e, "locked");
    }
  }

  async create(input: { name: string; relays?: string[] }): Promise<AccountInfo> {
    const name = checkName(input.name);
    const relays = checkRelays(input.relays);
    await this.refuseExisting();
    const { record, secrets } = accountFromWords({
      words: createPerson().words,
      name,
      relays,
      now: this.core.now(),
      recovered: false,
    });
    await this.save(record, secrets);
    return this.info() as AccountInfo;
  }

  async recover(input: { words: string; relays?: string[]; name?: string }): Promise<AccountInfo> {
    const relays = checkRelays(input.relays);
    const name = checkName(input.name ?? RECOVERED_NAME);
    await this.refuseExisting();
    let made: ReturnType<typeof accountFromWords>;
    try {
      made = accountFromWords({ words: input.words, name, relays, now: this.core.now(), recovered: true });
    } catch (e) {
      throw rallyError("bad-input", `These recovery words do not work: ${(e as Error).message}`);
    }
    await this.save(made.record, made.secrets);
    return this.info() as AccountInfo;
  }

  async words(): Promise<string> {
    return this.core.requireSecrets().words;
  }

  async setName(name: string): Promise<void> {
    const record = this.core.requireAccount();
    await this.write({ ...record, name: checkName(name) });
  }

  async setRelays(relays: string[]): Promise<void> {
    const record = this.core.requireAccount();
    await this.write({ ...record, relays: checkRelays(relays) });
    // Others find the device's key package and inbox on the account's relays: publish them there.
    await this.keyPackages.publishNew();
    await this.keyPackages.publishInboxRelays();
  }

  async setPassphrase(passphrase: string | null): Promise<void> {
    const record = this.core.requireAccount();
    const secrets = this.core.requireSecrets();
    try {
      await this.write(protectAccount(record, secrets, passphrase));
    } catch (e) {
      throw asRallyError(e, "bad-input");
    }
  }

  /** NIP-49 `ncryptsec` of the key plus settings, as JSON (restore with the words or the ncryptsec). */
  async exportBackup(passphrase: string): Promise<string> {
    const record = this.core.requireAccount();
    const secrets = this.core.requireSecrets();
    if (!passphrase) throw rallyError("bad-input", "Choose a passphrase to protect the backup.");
    return JSON.stringify({
      type: "rally-backup",
      version: 1,
      npub: npubEncode(record.pubkey),
      name: record.name,
      relays: record.relays,
      ncryptsec: encryptSecretKey(secrets.secretKey, passphrase),
      createdAt: this.core.now(),
    });
  }

  private async refuseExisting(): Promise<void> {
    if (this.core.account || (await this.core.store.get(keys.account)) !== undefined) {
      throw rallyError(
        "account-exists",
        "This device already has an account. Use another --home folder for another person.",
      );
    }
  }

  private async save(record: AccountRecord, secrets: AccountSecrets): Promise<void> {
    await this.core.store.batch([{ op: "put", key: keys.account, value: record }]);
    this.core.account = record;
    this.core.secrets = secrets;
    await this.keyPackages.publishNew();
    await this.keyPackages.publishInboxRelays();
    this.core.emit("account");
  }

  private async write(record: AccountRecord): Promise<void> {
    await this.core.store.batch([{ op: "put", key: keys.account, value: record }]);
    this.core.account = record;
    this.core.emit("account");
  }
}

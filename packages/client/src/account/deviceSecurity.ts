/**
 * What protects this device's data, as the person manages it: the passphrase over the data key,
 * locking and unlocking, the duress passphrase, the web app's idle lock, erasing, and the one
 * secret kept before an account exists (an invite link opened on a new device). The sealing itself
 * is the vault's (`store/vault.ts`); this turns its answers into the client's.
 *
 * Runs in: Node and browsers.
 */
import type { DeviceSecurity } from "../api.ts";
import type { Device } from "../device.ts";
import { rallyError } from "../errors.ts";
import type { Vault } from "../store/vault.ts";
import type { AccountService } from "./accountService.ts";

/** kv key of an invite link remembered before the account existed. */
const PENDING_LINK_KEY = "pendinglink";
/** A remembered invite link is forgotten after a day. */
const PENDING_LINK_SECONDS = 24 * 60 * 60;

export class DeviceSecurityService {
  constructor(
    private readonly core: Device,
    private readonly accounts: AccountService,
  ) {}

  async security(): Promise<DeviceSecurity> {
    const vault = this.core.vault;
    if (!vault)
      return { protection: "device", locked: false, failedUnlocks: 0, duress: false, autoLockMinutes: null };
    return vault.security();
  }

  /** Opens the device (or, on a store without a vault, an account under an older passphrase). */
  async unlock(passphrase: string): Promise<"opened" | "duress"> {
    const vault = this.core.vault;
    if (!vault?.locked) {
      if (this.core.account && !this.core.secrets) await this.accounts.unlock(passphrase);
      return "opened";
    }
    const result = await vault.unlock(passphrase);
    await this.reopened();
    return result;
  }

  /** Forgets the key and everything read with it. */
  lock(): void {
    const vault = this.requireVault();
    if (vault.locked) return;
    vault.lock();
    if (!vault.locked) {
      throw rallyError(
        "bad-input",
        "Set a passphrase first: without one, anyone who opens this device can read it.",
      );
    }
    this.core.account = null;
    this.core.secrets = null;
    this.core.emit("account");
  }

  async setPassphrase(next: string | null, current?: string): Promise<void> {
    await this.requireVault().setPassphrase(next, current);
    this.core.emit("account");
  }

  async setDuress(passphrase: string | null): Promise<void> {
    await this.requireVault().setDuress(passphrase);
  }

  async setAutoLock(minutes: number | null): Promise<void> {
    await this.requireVault().setAutoLock(minutes);
    this.core.emit("account");
  }

  /** Destroys the key, then the files; returns the milliseconds until nothing opened. */
  async erase(): Promise<number> {
    const ms = await this.requireVault().erase();
    this.core.account = null;
    this.core.secrets = null;
    return ms;
  }

  async rememberInviteLink(link: string | null): Promise<void> {
    if (link === null) {
      await this.core.store.batch([{ op: "delete", key: PENDING_LINK_KEY }]);
      return;
    }
    if (typeof link !== "string" || link.length === 0 || link.length > 4096) {
      throw rallyError("bad-input", "That is not an invite link.");
    }
    await this.core.store.batch([{ op: "put", key: PENDING_LINK_KEY, value: { link, at: this.core.now() } }]);
  }

  async rememberedInviteLink(): Promise<string | null> {
    const value = await this.core.store.get<{ link?: unknown; at?: unknown }>(PENDING_LINK_KEY);
    if (!value) return null;
    const fresh = typeof value.at === "number" && this.core.now() - value.at < PENDING_LINK_SECONDS;
    if (typeof value.link !== "string" || !fresh) {
      await this.core.store.batch([{ op: "delete", key: PENDING_LINK_KEY }]);
      return null;
    }
    return value.link;
  }

  /** After the key came back (or a new, empty store replaced the old): read the device again. */
  private async reopened(): Promise<void> {
    await this.core.transport.outbox.refresh();
    await this.accounts.load(null);
    this.core.emit("account");
  }

  private requireVault(): Vault {
    const vault = this.core.vault;
    if (!vault) throw rallyError("internal", "This device's store cannot be protected (it is not a vault).");
    return vault;
  }
}

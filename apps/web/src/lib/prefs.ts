/**
 * The few things the page itself remembers in localStorage — never keys, messages, names or links
 * (those stay encrypted in the engine's IndexedDB): where onboarding stopped, whether the recovery
 * words were checked, and whether this browser had an account. localStorage is not encrypted, so
 * nothing private may be added here; an invite link goes to the engine (`rememberInviteLink`).
 */

const SETUP = "rally.setup";
const WORDS_CHECKED = "rally.wordsChecked";
const HAS_ACCOUNT = "rally.hasAccount";
/** Where earlier versions kept an invite link in the clear; read once, then deleted. */
const LEGACY_PENDING_JOIN = "rally.pendingJoin";

/** "linking": this device is being linked to the person's other device (onboarding waits for it). */
export type SetupStep = "words" | "check" | "passphrase" | "linking";

function get(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function set(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage can be disabled; these are conveniences, so Rally works on without them.
  }
}

export const prefs = {
  setupStep(): SetupStep | null {
    const v = get(SETUP);
    return v === "words" || v === "check" || v === "passphrase" || v === "linking" ? v : null;
  },
  setSetupStep(step: SetupStep | null): void {
    set(SETUP, step);
  },
  wordsChecked(): boolean {
    return get(WORDS_CHECKED) === "yes";
  },
  setWordsChecked(): void {
    set(WORDS_CHECKED, "yes");
  },
  /** Whether this browser had an account last time (lets a first visit start before the engine is up). */
  hasAccount(): boolean {
    return get(HAS_ACCOUNT) === "yes";
  },
  setHasAccount(value: boolean): void {
    set(HAS_ACCOUNT, value ? "yes" : null);
  },
  /** An invite link an earlier version left in localStorage: returned once and deleted there. */
  takeLegacyPendingJoin(): string | null {
    const link = get(LEGACY_PENDING_JOIN);
    if (link !== null) set(LEGACY_PENDING_JOIN, null);
    return link;
  },
  /** Forgets everything above: the device was erased and starts over. */
  forgetAll(): void {
    for (const key of [SETUP, WORDS_CHECKED, HAS_ACCOUNT, LEGACY_PENDING_JOIN]) set(key, null);
  },
};

/**
 * The few things the page itself remembers in localStorage — never keys or messages (those stay in
 * the engine's IndexedDB): where onboarding stopped, whether the recovery words were checked, and
 * an invite link that is waiting for an answer.
 */

const SETUP = "rally.setup";
const WORDS_CHECKED = "rally.wordsChecked";
const PENDING_JOIN = "rally.pendingJoin";
const HAS_ACCOUNT = "rally.hasAccount";

export type SetupStep = "words" | "check" | "passphrase";

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
    return v === "words" || v === "check" || v === "passphrase" ? v : null;
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
  pendingJoin(): string | null {
    return get(PENDING_JOIN);
  },
  setPendingJoin(link: string | null): void {
    set(PENDING_JOIN, link);
  },
};

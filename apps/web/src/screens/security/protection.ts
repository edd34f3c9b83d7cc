/**
 * What a passphrase protects, said the same way wherever Rally says it (onboarding, Settings), and
 * only what is true: with a passphrase the data key is wrapped by it, so a copy of the browser's
 * files is unreadable; without one the key sits in the browser beside the data.
 */

export const WITH_PASSPHRASE =
  "With a passphrase, everything Rally keeps on this device — messages, groups, names and keys — is unreadable without it, and the device locks itself after the idle time you choose.";

export const WITHOUT_PASSPHRASE =
  "This device is not protected: anyone who opens this browser profile or copies its files can read your messages.";

export const FORGOTTEN =
  "If you forget it, nobody can open this device: you would erase it and restore your account from your twelve recovery words.";

/** Choices for auto-lock, in minutes (null: never). */
export const AUTO_LOCK_CHOICES: { minutes: number | null; label: string }[] = [
  { minutes: null, label: "Never" },
  { minutes: 1, label: "After 1 minute" },
  { minutes: 5, label: "After 5 minutes" },
  { minutes: 15, label: "After 15 minutes" },
  { minutes: 60, label: "After 1 hour" },
];

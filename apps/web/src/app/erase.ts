/**
 * After this device was erased (by the person, or by the duress passphrase at the lock screen):
 * the page forgets what it remembered and loads again, so a fresh engine starts on an empty device
 * and the person sees a new Rally, as on a first visit.
 */
import { prefs } from "../lib/prefs.ts";

export function startOver(): void {
  prefs.forgetAll();
  window.location.replace(`${window.location.origin}/`);
}

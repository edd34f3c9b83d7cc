/**
 * The words for a device link's progress, on both sides: the device that made the link (Settings)
 * and the new device being linked (onboarding). Pure, so the wording is tested apart from screens.
 */
import type { DeviceLinkProgress } from "@rally/client";

type Joining = {
  state: "requested" | "ready" | "done";
  /** The code ("482 915") the other device shows for this device's request. */
  code: string;
  groups: number;
  parts: number;
  stored: number;
};

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "9:41" — minutes and seconds left; "0:00" once past. */
export function countdown(expiresAt: number, nowSeconds: number): string {
  const left = Math.max(0, Math.floor(expiresAt - nowSeconds));
  return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
}

/** Where a link made on this device stands, as the existing device shows it. */
export function linkProgressText(p: DeviceLinkProgress): string {
  switch (p.state) {
    case "waiting":
      return "Waiting for the new device…";
    case "asked":
      return "Your new device asked to be linked: check its code.";
    case "answered":
      return `Linking ${p.name ?? "the new device"}…`;
    case "linked":
      return `Linked: added to ${count(p.groups, "group", "groups")}, history sent in ${count(p.parts, "part", "parts")}.`;
    case "expired":
      return "This link expired before a device used it. Make a new one.";
    case "closed":
      return "This link is closed: nobody was linked. Make a new one.";
  }
}

/** What the person checks before linking a device that asked: the same code on both screens. */
export const CHECK_CODE_NOTE =
  "Link it only if your new device shows this same code. If it shows another, someone else has seen your link: press Not mine.";

/**
 * Said when more than one device asked through one link: only one of them can be the person's, so
 * someone else has the link. Null for a single request.
 */
export function severalAskedText(asks: number): string | null {
  if (asks < 2) return null;
  return `${asks} devices asked to be linked, so someone else may have your link. Link only the one whose code your own new device shows, or press Not mine.`;
}

/** Whether the link still needs this device to sync often. */
export function linkInProgress(p: DeviceLinkProgress | undefined): boolean {
  return p !== undefined && (p.state === "waiting" || p.state === "asked" || p.state === "answered");
}

/** The new device's progress line. */
export function joiningText(j: Joining | null): string {
  if (!j || j.state === "requested") return "Waiting for your other device… (it must be open and online)";
  if (j.parts === 0) return "Joining your groups…";
  return `History: ${j.stored} of ${count(j.parts, "part", "parts")}`;
}

/** The new device's code, to be matched on the other device before it links this one. */
export function joiningCodeText(code: string): string {
  return `Your other device will show the code ${code}. Link this device there only if it shows that same code.`;
}

/**
 * Linked: the account arrived, the other device said it is done, and every group it added this
 * one to and every history part it sent are here (an account without groups is done at once).
 */
export function joiningDone(j: Joining | null, hasAccount: boolean): boolean {
  return hasAccount && j !== null && j.state === "done";
}

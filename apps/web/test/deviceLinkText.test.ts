import type { DeviceLinkProgress } from "@rally/client";
import { describe, expect, it } from "vitest";
import {
  CHECK_CODE_NOTE,
  countdown,
  joiningCodeText,
  joiningDone,
  joiningText,
  linkInProgress,
  linkProgressText,
  severalAskedText,
} from "../src/lib/deviceLinkText.ts";

const link = (over: Partial<DeviceLinkProgress>): DeviceLinkProgress => ({
  state: "waiting",
  asks: [],
  name: null,
  groups: 0,
  parts: 0,
  expiresAt: 1000,
  ...over,
});

describe("device link wording", () => {
  it("counts down in minutes and seconds, never below zero", () => {
    expect(countdown(1000, 400)).toBe("10:00");
    expect(countdown(1000, 940.5)).toBe("0:59");
    expect(countdown(1000, 2000)).toBe("0:00");
  });

  it("says where a link made here stands", () => {
    expect(linkProgressText(link({}))).toBe("Waiting for the new device…");
    expect(linkProgressText(link({ state: "answered", name: "Laptop" }))).toBe("Linking Laptop…");
    expect(linkProgressText(link({ state: "linked", groups: 3, parts: 5 }))).toBe(
      "Linked: added to 3 groups, history sent in 5 parts.",
    );
    expect(linkProgressText(link({ state: "linked", groups: 1, parts: 1 }))).toBe(
      "Linked: added to 1 group, history sent in 1 part.",
    );
    expect(linkProgressText(link({ state: "expired" }))).toMatch(/expired/);
    expect(linkInProgress(link({ state: "waiting" }))).toBe(true);
    expect(linkInProgress(link({ state: "answered" }))).toBe(true);
    expect(linkInProgress(link({ state: "linked" }))).toBe(false);
    expect(linkInProgress(link({ state: "expired" }))).toBe(false);
    expect(linkInProgress(undefined)).toBe(false);
  });

  it("asks for the code to be checked, and says when a link was closed", () => {
    const asked = link({ state: "asked", asks: [{ name: "Laptop", code: "482 915" }] });
    expect(linkProgressText(asked)).toBe("Your new device asked to be linked: check its code.");
    // Still in progress: more requests may come, and this device must keep reading them.
    expect(linkInProgress(asked)).toBe(true);
    expect(CHECK_CODE_NOTE).toBe(
      "Link it only if your new device shows this same code. If it shows another, someone else has seen your link: press Not mine.",
    );
    expect(severalAskedText(0)).toBeNull();
    expect(severalAskedText(1)).toBeNull();
    expect(severalAskedText(2)).toMatch(
      /^2 devices asked to be linked, so someone else may have your link\./,
    );
    const closed = link({ state: "closed" });
    expect(linkProgressText(closed)).toBe("This link is closed: nobody was linked. Make a new one.");
    expect(linkInProgress(closed)).toBe(false);
  });

  it("says where the new device stands, and is done only with every part and the account", () => {
    const code = "482 915";
    expect(joiningText(null)).toMatch(/^Waiting for your other device/);
    expect(joiningText({ state: "requested", code, groups: 0, parts: 0, stored: 0 })).toMatch(
      /^Waiting for your other device/,
    );
    expect(joiningText({ state: "ready", code, groups: 0, parts: 0, stored: 0 })).toBe(
      "Joining your groups…",
    );
    expect(joiningText({ state: "ready", code, groups: 2, parts: 5, stored: 3 })).toBe(
      "History: 3 of 5 parts",
    );
    const all = { state: "done" as const, code, groups: 2, parts: 5, stored: 5 };
    expect(joiningDone(all, true)).toBe(true);
    expect(joiningDone(all, false)).toBe(false);
    // Every part stored, but the other device has not said it is done (the client says "ready").
    expect(joiningDone({ ...all, state: "ready" }, true)).toBe(false);
    expect(joiningDone({ ...all, state: "requested" }, true)).toBe(false);
  });

  it("tells the new device which code its other device will show", () => {
    expect(joiningCodeText("482 915")).toBe(
      "Your other device will show the code 482 915. Link this device there only if it shows that same code.",
    );
  });
});

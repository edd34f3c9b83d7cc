import type { DeviceLinkProgress } from "@rally/client";
import { describe, expect, it } from "vitest";
import {
  countdown,
  joiningDone,
  joiningText,
  linkInProgress,
  linkProgressText,
} from "../src/lib/deviceLinkText.ts";

const link = (over: Partial<DeviceLinkProgress>): DeviceLinkProgress => ({
  state: "waiting",
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
    expect(linkInProgress(link({ state: "answered" }))).toBe(true);
    expect(linkInProgress(link({ state: "linked" }))).toBe(false);
    expect(linkInProgress(undefined)).toBe(false);
  });

  it("says where the new device stands, and is done only with every part and the account", () => {
    expect(joiningText(null)).toMatch(/^Waiting for your other device/);
    expect(joiningText({ state: "ready", groups: 0, parts: 0, stored: 0 })).toBe("Joining your groups…");
    expect(joiningText({ state: "ready", groups: 2, parts: 5, stored: 3 })).toBe("History: 3 of 5 parts");
    const all = { state: "done" as const, groups: 2, parts: 5, stored: 5 };
    expect(joiningDone(all, true)).toBe(true);
    expect(joiningDone(all, false)).toBe(false);
    // Every part stored, but the other device has not said it is done (the client says "ready").
    expect(joiningDone({ ...all, state: "ready" }, true)).toBe(false);
    expect(joiningDone({ ...all, state: "requested" }, true)).toBe(false);
  });
});

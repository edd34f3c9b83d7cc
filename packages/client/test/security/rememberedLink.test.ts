// An invite link opened before the account existed is kept sealed in the store (not in the
// browser's localStorage), and forgotten after a day.
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { homeOf, person, useWorld } from "../world.ts";

const w = useWorld("remembered-link");
const LINK = "http://127.0.0.1:7447/#join=v2.bm90IGEgcmVhbCBsaW5rIGJ1dCBzZWNyZXQ";

describe("a remembered invite link", () => {
  it("is sealed in the store, and forgotten after a day", async () => {
    const clock = { offsetMs: 0 };
    const pia = await person(w, "Pia", clock);
    expect(await pia.rememberedInviteLink()).toBeNull();
    await pia.rememberInviteLink(LINK);
    expect(await pia.rememberedInviteLink()).toBe(LINK);

    const db = new Database(path.join(homeOf(pia), "rally.db"), { readonly: true });
    const rows = db.prepare("SELECT value FROM kv").all() as { value: string }[];
    db.close();
    expect(rows.some((r) => r.value.includes("#join="))).toBe(false);

    clock.offsetMs = 23 * 3600_000;
    expect(await pia.rememberedInviteLink()).toBe(LINK);
    clock.offsetMs = 25 * 3600_000;
    expect(await pia.rememberedInviteLink()).toBeNull();
    clock.offsetMs = 0;
    expect(await pia.rememberedInviteLink()).toBeNull();

    await pia.rememberInviteLink(LINK);
    await pia.rememberInviteLink(null);
    expect(await pia.rememberedInviteLink()).toBeNull();
    await expect(pia.rememberInviteLink("")).rejects.toMatchObject({ code: "bad-input" });
  }, 60_000);
});

import { describe, expect, it } from "vitest";
import { offsetLabel, searchZones, zoneOption, zoneOptions } from "../src/lib/timeZones.ts";

const WINTER = Date.UTC(2026, 0, 15, 12) / 1000;
const SUMMER = Date.UTC(2026, 6, 15, 12) / 1000;

describe("time-zone picker list", () => {
  it("names each zone by its city, with its offset from Intl on that day", () => {
    expect(zoneOption("Europe/Berlin", WINTER).label).toBe("Berlin — Europe/Berlin (UTC+1)");
    expect(zoneOption("Europe/Berlin", SUMMER).label).toBe("Berlin — Europe/Berlin (UTC+2)");
    expect(zoneOption("Asia/Colombo", WINTER).offset).toBe("UTC+5:30");
    // A city listed under its older name is shown and found by today's.
    expect(zoneOption("Asia/Calcutta", WINTER).label).toBe("Kolkata — Asia/Calcutta (UTC+5:30)");
    expect(zoneOption("America/Argentina/Buenos_Aires", WINTER).label).toBe(
      "Buenos Aires — America/Argentina/Buenos Aires (UTC-3)",
    );
    expect(zoneOption("UTC", WINTER).label).toBe("UTC — UTC (UTC)");
    expect(offsetLabel(-34_200)).toBe("UTC-9:30");
  });

  it("lists every zone the browser knows", () => {
    const all = zoneOptions(WINTER);
    expect(all.length).toBeGreaterThan(300);
    expect(all.map((o) => o.id)).toContain("Europe/Berlin");
    expect(all.map((o) => o.id)).toContain("UTC");
  });

  it("finds a zone from part of its city, its region, or its offset", () => {
    const all = zoneOptions(WINTER);
    expect(searchZones(all, "berl")[0]?.label).toBe("Berlin — Europe/Berlin (UTC+1)");
    expect(searchZones(all, "BERL")[0]?.id).toBe("Europe/Berlin");
    expect(searchZones(all, "new y")[0]?.id).toBe("America/New_York");
    expect(searchZones(all, "buenos")[0]?.id).toMatch(/Buenos_Aires$/);
    expect(searchZones(all, "Europe/Berlin")[0]?.id).toBe("Europe/Berlin");
    expect(searchZones(all, "sao")[0]?.id).toBe("America/Sao_Paulo");
    const india = searchZones(all, "utc+5:30").map((o) => o.id);
    expect(india).toContain("Asia/Colombo");
    expect(searchZones(zoneOptions(WINTER, ["Europe/Berlin", "Asia/Calcutta"]), "kolk")[0]?.id).toBe(
      "Asia/Calcutta",
    );
    expect(india).not.toContain("Europe/Berlin");
    expect(searchZones(all, "zzzz")).toEqual([]);
    expect(searchZones(all, "", 10)).toHaveLength(10);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GROUP_TABS, groupHash, parseRoute, type Route, routeHash } from "../src/app/routes.ts";

describe("routes", () => {
  it("parses the fixed screens", () => {
    expect(parseRoute("")).toEqual({ name: "groups" });
    expect(parseRoute("#")).toEqual({ name: "groups" });
    expect(parseRoute("#/")).toEqual({ name: "groups" });
    expect(parseRoute("#/new")).toEqual({ name: "new-group" });
    expect(parseRoute("#/calendar")).toEqual({ name: "calendar" });
    expect(parseRoute("#/settings")).toEqual({ name: "settings" });
    expect(parseRoute("#/joining")).toEqual({ name: "joining" });
  });

  it("parses group screens with a default tab and an optional item", () => {
    expect(parseRoute("#/g/ab12")).toEqual({ name: "group", group: "ab12", tab: "chat", item: null });
    expect(parseRoute("#/g/ab12/events")).toEqual({
      name: "group",
      group: "ab12",
      tab: "events",
      item: null,
    });
    expect(parseRoute("#/g/ab12/events/31923%3Aab%3Ad")).toEqual({
      name: "group",
      group: "ab12",
      tab: "events",
      item: "31923:ab:d",
    });
  });

  it("keeps an invite payload exactly as written", () => {
    expect(parseRoute("#join=eyJhIjoxfQ_-x")).toEqual({ name: "join", payload: "eyJhIjoxfQ_-x" });
  });

  it("keeps a device link payload exactly as written", () => {
    expect(parseRoute("#device=eyJ2IjoxfQ_-x")).toEqual({ name: "device-link", payload: "eyJ2IjoxfQ_-x" });
  });

  it("answers not-found for anything else, never throwing", () => {
    for (const bad of [
      "#join=",
      "#device=",
      "#/g",
      "#/g/x/photos",
      "#/g/%E0%A4%A/chat",
      "#/g/x/chat/%E0%A4%A",
      "#/nope",
    ]) {
      expect(parseRoute(bad).name, bad).toBe("not-found");
    }
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseRoute(s);
      }),
    );
  });

  it("round-trips every route through its hash", () => {
    const text = fc.string({ minLength: 1, maxLength: 40 });
    const route: fc.Arbitrary<Route> = fc.oneof(
      fc.constantFrom<Route>(
        { name: "groups" },
        { name: "new-group" },
        { name: "calendar" },
        { name: "settings" },
        { name: "joining" },
      ),
      fc.record({
        name: fc.constant("group" as const),
        group: text,
        tab: fc.constantFrom(...GROUP_TABS),
        item: fc.option(text, { nil: null }),
      }),
      fc.record({ name: fc.constant("join" as const), payload: fc.base64String({ minLength: 4 }) }),
      fc.record({ name: fc.constant("device-link" as const), payload: fc.base64String({ minLength: 4 }) }),
    );
    fc.assert(
      fc.property(route, (r) => {
        expect(parseRoute(routeHash(r))).toEqual(r);
      }),
    );
  });

  it("builds group links", () => {
    expect(groupHash("a/b", "polls")).toBe("#/g/a%2Fb/polls");
  });
});

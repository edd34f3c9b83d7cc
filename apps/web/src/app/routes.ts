/**
 * Rally's screens are addressed by the URL fragment, which browsers never send to a server. That
 * is what keeps an invite link's secret (`#join=<payload>`) and a device link's (`#device=<payload>`)
 * off every server, and it lets the static host serve one `index.html` for every screen.
 */

export type GroupTab = "chat" | "events" | "polls" | "members";
export const GROUP_TABS: readonly GroupTab[] = ["chat", "events", "polls", "members"];

export type Route =
  | { name: "groups" }
  | { name: "new-group" }
  | { name: "group"; group: string; tab: GroupTab; item: string | null }
  | { name: "calendar" }
  | { name: "settings" }
  | { name: "join"; payload: string }
  | { name: "device-link"; payload: string }
  | { name: "joining" }
  | { name: "not-found"; hash: string };

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** Parses `location.hash` (with or without the leading `#`). Never throws. */
export function parseRoute(hash: string): Route {
  const h = hash.startsWith("#") ? hash.slice(1) : hash;
  if (h.startsWith("join=")) {
    const payload = h.slice("join=".length);
    return payload ? { name: "join", payload } : { name: "not-found", hash: h };
  }
  if (h.startsWith("device=")) {
    const payload = h.slice("device=".length);
    return payload ? { name: "device-link", payload } : { name: "not-found", hash: h };
  }
  const path = h.startsWith("/") ? h.slice(1) : h;
  const parts = path.split("/").filter((p) => p !== "");
  const [first, second, third, fourth] = parts;
  if (parts.length === 0) return { name: "groups" };
  if (parts.length === 1 && first === "new") return { name: "new-group" };
  if (parts.length === 1 && first === "calendar") return { name: "calendar" };
  if (parts.length === 1 && first === "settings") return { name: "settings" };
  if (parts.length === 1 && first === "joining") return { name: "joining" };
  if (first === "g" && second && parts.length <= 4) {
    const group = decode(second);
    const tab = (third ?? "chat") as GroupTab;
    const item = fourth === undefined ? null : decode(fourth);
    if (group && GROUP_TABS.includes(tab) && (fourth === undefined || item)) {
      return { name: "group", group, tab, item };
    }
  }
  return { name: "not-found", hash: h };
}

/** The fragment (with `#`) that shows `route`. */
export function routeHash(route: Route): string {
  switch (route.name) {
    case "groups":
      return "#/";
    case "new-group":
      return "#/new";
    case "calendar":
      return "#/calendar";
    case "settings":
      return "#/settings";
    case "joining":
      return "#/joining";
    case "join":
      return `#join=${route.payload}`;
    case "device-link":
      return `#device=${route.payload}`;
    case "group": {
      const base = `#/g/${encodeURIComponent(route.group)}/${route.tab}`;
      return route.item === null ? base : `${base}/${encodeURIComponent(route.item)}`;
    }
    case "not-found":
      return `#${route.hash}`;
  }
}

export function groupHash(group: string, tab: GroupTab = "chat", item: string | null = null): string {
  return routeHash({ name: "group", group, tab, item });
}

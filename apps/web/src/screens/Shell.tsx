/**
 * The main layout. On a phone: one screen at a time with a bar of three places at the bottom
 * (Groups, Calendar, Settings). On a wide screen: the group list stays on the left and the chosen
 * screen opens beside it. With a passphrase set, a lock button in the header locks Rally at once.
 */
import type { AccountInfo } from "@rally/client";
import { useEffect, useRef } from "react";
import { useRoute } from "../app/router.ts";
import { useSecurity } from "../app/security.tsx";
import { ConnectionBadge } from "../ui/ConnectionBadge.tsx";
import { CalendarIcon, ChatIcon, LockIcon, SettingsIcon } from "../ui/icons.tsx";
import { CalendarScreen } from "./CalendarScreen.tsx";
import { CreateGroup } from "./CreateGroup.tsx";
import { GroupList } from "./GroupList.tsx";
import { GroupView } from "./group/GroupView.tsx";
import { Home } from "./Home.tsx";
import { JoinScreen } from "./JoinScreen.tsx";
import { Settings } from "./Settings.tsx";

export function Shell({ account }: { account: AccountInfo }) {
  const route = useRoute();
  const section = route.name === "calendar" ? "calendar" : route.name === "settings" ? "settings" : "groups";
  const onList = route.name === "groups";
  const { security, lock } = useSecurity();

  // Move focus to the new screen's heading so screen-reader and keyboard users know where they are.
  const mainRef = useRef<HTMLElement>(null);
  const routeKey = route.name === "group" ? `group:${route.group}:${route.tab}` : route.name;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the screen changes.
  useEffect(() => {
    const heading = mainRef.current?.querySelector<HTMLElement>("h1");
    if (heading && document.activeElement === document.body) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }, [routeKey]);

  return (
    <div className={`shell ${onList ? "shell-on-list" : "shell-on-detail"}`}>
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to content
      </button>
      <header className="topbar">
        <a className="wordmark" href="#/" aria-label="Rally, all groups">
          <img src="/icons/icon.svg" alt="" width={28} height={28} />
          <span>Rally</span>
        </a>
        <div className="topbar-end">
          <ConnectionBadge />
          {security?.protection === "passphrase" && (
            <button
              type="button"
              className="quiet small"
              onClick={() => void lock()}
              aria-label="Lock Rally now"
            >
              <LockIcon />
              Lock
            </button>
          )}
        </div>
      </header>
      <nav className="places" aria-label="Places">
        <a href="#/" aria-current={section === "groups" ? "page" : undefined}>
          <ChatIcon />
          Groups
        </a>
        <a href="#/calendar" aria-current={section === "calendar" ? "page" : undefined}>
          <CalendarIcon />
          Calendar
        </a>
        <a href="#/settings" aria-current={section === "settings" ? "page" : undefined}>
          <SettingsIcon />
          Settings
        </a>
      </nav>
      <aside className="sidebar" aria-label="Your groups">
        <GroupList current={route.name === "group" ? route.group : null} primary={onList} />
      </aside>
      <main className="content" id="main" ref={mainRef} tabIndex={-1}>
        {route.name === "groups" && <Home />}
        {route.name === "new-group" && <CreateGroup />}
        {route.name === "group" && (
          <GroupView
            key={route.group}
            group={route.group}
            tab={route.tab}
            item={route.item}
            account={account}
          />
        )}
        {route.name === "calendar" && <CalendarScreen />}
        {route.name === "settings" && <Settings account={account} />}
        {route.name === "joining" && <JoinScreen />}
        {route.name === "join" && <JoinScreen />}
        {route.name === "not-found" && (
          <div className="screen">
            <h1>Nothing here</h1>
            <p>
              This address does not lead anywhere in Rally. <a href="#/">Go to your groups</a>.
            </p>
          </div>
        )}
      </main>
    </div>
  );
}

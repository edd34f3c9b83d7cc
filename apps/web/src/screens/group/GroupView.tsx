/** One group: its name and four sections — Chat, Events, Polls, Members — as tabs in the address. */
import type { AccountInfo } from "@rally/client";
import { useEffect, useState } from "react";
import { useLive } from "../../app/client.tsx";
import { type GroupTab, groupHash } from "../../app/routes.ts";
import { BackLink } from "../../ui/BackLink.tsx";
import { ErrorNote, Loading } from "../../ui/Notice.tsx";
import { EventsTab } from "../events/EventsTab.tsx";
import { PollsTab } from "../polls/PollsTab.tsx";
import { ChatTab } from "./ChatTab.tsx";
import { disappearLine } from "./Disappearing.tsx";
import type { GroupContext } from "./groupContext.ts";
import { MembersTab } from "./MembersTab.tsx";

const TAB_LABELS: Record<GroupTab, string> = {
  chat: "Chat",
  events: "Events",
  polls: "Polls",
  members: "Members",
};

export function GroupView({
  group: id,
  tab,
  item,
  account,
}: {
  group: string;
  tab: GroupTab;
  item: string | null;
  account: AccountInfo;
}) {
  const groups = useLive((c) => c.groups(), ["groups"], []);
  // The member list costs a full read of the group; on the chat tab it waits until the first page
  // of messages is on screen (the engine answers calls one at a time), and incoming messages
  // refresh it at most every few seconds (names travel inside the group, so they can change).
  const [chatShown, setChatShown] = useState(tab !== "chat");
  useEffect(() => {
    if (tab !== "chat") setChatShown(true);
  }, [tab]);
  const members = useLive(
    (c) => (chatShown ? c.members(id) : Promise.resolve(undefined)),
    ["groups", "names"],
    [id, chatShown],
    id,
    {
      throttleMs: 5000,
    },
  );
  const group = groups.data?.find((g) => g.id === id);

  if (groups.error) return <ErrorNote>{groups.error.message}</ErrorNote>;
  if (!groups.data) return <Loading what="the group" />;
  if (!group) {
    return (
      <div className="screen">
        <BackLink href="#/">Groups</BackLink>
        <h1>This group is not here</h1>
        <p>You may have left it or been removed, or it was never on this device.</p>
      </div>
    );
  }
  const names = new Map((members.data ?? []).map((m) => [m.npub, m.name]));
  const context: GroupContext = {
    group,
    members: members.data ?? [],
    me: account,
    active: group.status === undefined || group.status === "active",
    nameOf: (npub) => (npub === account.npub ? "You" : names.get(npub) || "Someone who left"),
  };

  return (
    <div className={`group-view tab-${tab}`}>
      <header className="group-head">
        <BackLink href="#/">Groups</BackLink>
        <div className="group-title">
          <h1>{group.name}</h1>
          <p className="group-meta">
            {group.members} {group.members === 1 ? "member" : "members"}
            {group.admin ? " · you are an admin" : ""}
          </p>
          {disappearLine(group.disappearAfter) && (
            <p className="group-meta disappearing">{disappearLine(group.disappearAfter)}</p>
          )}
        </div>
      </header>
      {!context.active && (
        <p className="banner out-banner" role="status">
          {group.status === "removed" ? "You were removed from this group." : "You left this group."} You can
          still read what was shared while you were in it.
        </p>
      )}
      <nav className="tabs" aria-label="Group sections">
        {(Object.keys(TAB_LABELS) as GroupTab[]).map((t) => (
          <a key={t} href={groupHash(id, t)} aria-current={t === tab ? "page" : undefined}>
            {TAB_LABELS[t]}
          </a>
        ))}
      </nav>
      <div className="tab-body">
        {tab === "chat" && <ChatTab context={context} onShown={() => setChatShown(true)} />}
        {tab === "events" && <EventsTab context={context} item={item} />}
        {tab === "polls" && <PollsTab context={context} />}
        {tab === "members" && <MembersTab context={context} />}
      </div>
    </div>
  );
}

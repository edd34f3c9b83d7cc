/** The person's groups with unread counts, invitations waiting for an answer, and "New group". */
import type { GroupSummary } from "@rally/client";
import { useAction, useClient, useLive } from "../app/client.tsx";
import { navigate } from "../app/router.ts";
import { groupHash } from "../app/routes.ts";
import { prefs } from "../lib/prefs.ts";
import { ClockNotice } from "../ui/ClockNotice.tsx";
import { ErrorNote, Loading } from "../ui/Notice.tsx";

const isActive = (g: GroupSummary) => g.status === undefined || g.status === "active";

/** Groups with recent activity first; groups this device is no longer in go last. */
function byActivity(a: GroupSummary, b: GroupSummary): number {
  return (
    Number(isActive(b)) - Number(isActive(a)) ||
    (b.lastActivity ?? 0) - (a.lastActivity ?? 0) ||
    a.name.localeCompare(b.name)
  );
}

export function GroupList({ current, primary }: { current: string | null; primary: boolean }) {
  const groups = useLive((c) => c.groups(), ["groups", "chat", "events", "polls"], []);
  const Heading = primary ? "h1" : "h2";
  const sorted = groups.data ? [...groups.data].sort(byActivity) : null;
  return (
    <section className="group-list" aria-labelledby="groups-heading">
      <div className="list-head">
        <Heading id="groups-heading">Groups</Heading>
        <a className="button primary small" href="#/new">
          New group
        </a>
      </div>
      {!prefs.wordsChecked() && (
        <p className="reminder">
          You have not checked your recovery words yet. <a href="#/settings">Keep your account safe</a>
        </p>
      )}
      <ClockNotice />
      <Invitations />
      {groups.error && <ErrorNote>{groups.error.message}</ErrorNote>}
      {!sorted && !groups.error && <Loading what="your groups" />}
      {sorted && sorted.length === 0 && (
        <div className="empty">
          <p>No groups yet.</p>
          <p>Start one for the people you organise with, or open an invite link someone sent you.</p>
        </div>
      )}
      {sorted && sorted.length > 0 && (
        <ul className="groups">
          {sorted.map((g) => (
            <li key={g.id}>
              <a
                href={groupHash(g.id)}
                aria-current={g.id === current ? "page" : undefined}
                className="group-row"
              >
                <span className="avatar" aria-hidden="true">
                  {initials(g.name)}
                </span>
                <span className="group-text">
                  <span className="group-name">{g.name}</span>
                  <span className="group-meta">
                    {g.status === "left"
                      ? "You left · "
                      : g.status === "removed"
                        ? "You were removed · "
                        : g.status === "invited"
                          ? "Waiting to be let in · "
                          : ""}
                    {g.members} {g.members === 1 ? "member" : "members"}
                    {g.description ? ` · ${g.description}` : ""}
                  </span>
                </span>
                {g.unread > 0 && (
                  <span className="badge">
                    <span aria-hidden="true">{g.unread > 99 ? "99+" : g.unread}</span>
                    <span className="visually-hidden">{g.unread} unread</span>
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters =
    parts.length > 1 ? [parts[0]!, parts[1]!].map((p) => [...p][0]) : [...(parts[0] ?? "?")].slice(0, 2);
  return letters.join("").toUpperCase();
}

function Invitations() {
  const client = useClient();
  const invites = useLive((c) => c.invites(), ["invites", "groups"], []);
  const accept = useAction(async (id: string) => {
    const group = await client.acceptInvite(id);
    navigate(groupHash(group.id));
  });
  const decline = useAction(async (id: string) => client.declineInvite(id));
  if (!invites.data || invites.data.length === 0) return null;
  return (
    <section className="invitations" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      <ul>
        {invites.data.map((invite) => (
          <li key={invite.id} className="invitation">
            <p>
              <strong>{invite.fromName || "Someone"}</strong> invited you to{" "}
              <strong>{invite.group || "a group"}</strong>
            </p>
            <div className="row-actions">
              <button
                type="button"
                className="primary small"
                disabled={accept.busy}
                onClick={() => void accept.run(invite.id)}
              >
                Join
              </button>
              <button
                type="button"
                className="quiet small"
                disabled={decline.busy}
                onClick={() => void decline.run(invite.id)}
              >
                Decline
              </button>
            </div>
          </li>
        ))}
      </ul>
      <ErrorNote>{accept.error ?? decline.error}</ErrorNote>
    </section>
  );
}

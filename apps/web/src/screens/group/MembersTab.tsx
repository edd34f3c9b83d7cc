/**
 * Who is in the group, and — for admins — letting people in: invite links with QR codes, requests
 * waiting for approval, removing someone, the group's name and description, and disappearing
 * messages. Anyone can leave.
 */
import { useState } from "react";
import { useAction, useClient, useLive } from "../../app/client.tsx";
import { navigate } from "../../app/router.ts";
import { Advanced } from "../../ui/Advanced.tsx";
import { ConfirmButton } from "../../ui/ConfirmButton.tsx";
import { TextArea, TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";
import { DisappearingSetting } from "./Disappearing.tsx";
import type { GroupContext } from "./groupContext.ts";
import { InviteLinks } from "./InviteLinks.tsx";

export function MembersTab({ context }: { context: GroupContext }) {
  const client = useClient();
  const { group, members, me } = context;
  const admin = group.admin && context.active;
  const remove = useAction(async (npub: string) => client.remove(group.id, npub));
  const setAdmin = useAction(async (npub: string, value: boolean) => client.setAdmin(group.id, npub, value));
  const leave = useAction(async () => {
    await client.leave(group.id);
    navigate("#/");
  });
  const sorted = [...members].sort(
    (a, b) =>
      Number(b.npub === me.npub) - Number(a.npub === me.npub) ||
      Number(b.admin) - Number(a.admin) ||
      a.name.localeCompare(b.name),
  );

  return (
    <div className="screen members">
      {admin && <PendingJoins group={group.id} />}
      <section aria-labelledby="member-list-heading">
        <h2 id="member-list-heading">
          {members.length} {members.length === 1 ? "member" : "members"}
        </h2>
        <ul className="member-list">
          {sorted.map((m) => (
            <li key={m.npub} className="member">
              <span className="avatar small" aria-hidden="true">
                {(m.name || "?").slice(0, 1).toUpperCase()}
              </span>
              <span className="member-name">
                {m.name || "Someone"}
                {m.npub === me.npub && <span className="tag">You</span>}
                {m.admin && <span className="tag admin">Admin</span>}
              </span>
              {admin && m.npub !== me.npub && (
                <button
                  type="button"
                  className="quiet small"
                  disabled={setAdmin.busy}
                  onClick={() => void setAdmin.run(m.npub, !m.admin)}
                >
                  {m.admin ? "Remove as admin" : "Make admin"}
                </button>
              )}
              {admin && m.npub !== me.npub && (
                <ConfirmButton
                  label="Remove"
                  question={`Remove ${m.name || "this person"} from ${group.name}?`}
                  confirmLabel="Remove"
                  busy={remove.busy}
                  className="quiet small danger-text"
                  onConfirm={() => void remove.run(m.npub)}
                />
              )}
            </li>
          ))}
        </ul>
        <ErrorNote>{remove.error ?? setAdmin.error}</ErrorNote>
      </section>

      {!context.active ? null : admin ? (
        <InviteLinks group={group.id} groupName={group.name} />
      ) : (
        <section className="card">
          <h2>Inviting people</h2>
          <p className="muted">Only admins can let people in. Ask an admin for an invite link.</p>
        </section>
      )}

      {admin && <GroupDetails context={context} />}
      {admin && <DisappearingSetting context={context} />}

      {context.active && (
        <section className="card">
          <h2>Leave {group.name}</h2>
          <p className="muted">
            You will stop receiving its messages and events. To come back, someone has to invite you again.
          </p>
          <ConfirmButton
            label="Leave group"
            question={`Leave ${group.name}?`}
            confirmLabel="Leave"
            busy={leave.busy}
            onConfirm={() => void leave.run()}
          />
          <ErrorNote>{leave.error}</ErrorNote>
        </section>
      )}

      <Advanced>
        <InviteByAccountId context={context} />
        <h3>Account ids of members</h3>
        <ul className="mono-list">
          {sorted.map((m) => (
            <li key={m.npub}>
              <span>{m.name || "Someone"}</span> <code>{m.npub}</code>
            </li>
          ))}
        </ul>
        <h3>Relays this group uses</h3>
        <ul className="mono-list">
          {group.relays.map((r) => (
            <li key={r}>
              <code>{r}</code>
            </li>
          ))}
        </ul>
      </Advanced>
    </div>
  );
}

function PendingJoins({ group }: { group: string }) {
  const client = useClient();
  const pending = useLive((c) => c.pendingJoins(group), ["groups", "invites"], [group], group);
  const approve = useAction(async (id: string) => client.approveJoin(group, id));
  if (!pending.data || pending.data.length === 0) return null;
  return (
    <section className="card attention" aria-labelledby="pending-heading">
      <h2 id="pending-heading">Waiting to join</h2>
      <ul className="member-list">
        {pending.data.map((p) => (
          <li key={p.id} className="member">
            <span className="member-name">{p.name || "Someone"}</span>
            <button
              type="button"
              className="primary small"
              disabled={approve.busy}
              onClick={() => void approve.run(p.id)}
            >
              Let {p.name || "them"} in
            </button>
          </li>
        ))}
      </ul>
      <ErrorNote>{approve.error}</ErrorNote>
    </section>
  );
}

function GroupDetails({ context }: { context: GroupContext }) {
  const client = useClient();
  const [name, setName] = useState(context.group.name);
  const [description, setDescription] = useState(context.group.description);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    await client.updateGroup(context.group.id, { name: name.trim(), description: description.trim() });
    setSaved(true);
  });
  const changed = name.trim() !== context.group.name || description.trim() !== context.group.description;
  return (
    <section className="card">
      <h2>About this group</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          void save.run();
        }}
      >
        <TextField
          label="Group name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={80}
          required
        />
        <TextArea
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          rows={2}
          maxLength={500}
        />
        <ErrorNote>{save.error}</ErrorNote>
        <button type="submit" className="secondary" disabled={save.busy || !changed || !name.trim()}>
          Save changes
        </button>
        {saved && !changed && (
          <span className="saved" role="status">
            Saved
          </span>
        )}
      </form>
    </section>
  );
}

function InviteByAccountId({ context }: { context: GroupContext }) {
  const client = useClient();
  const [npub, setNpub] = useState("");
  const [done, setDone] = useState(false);
  // Devices of the person that could not be added (an expired key package …), said in words.
  const [unusable, setUnusable] = useState<string[]>([]);
  const invite = useAction(async () => {
    const outcome = await client.invite(context.group.id, npub.trim());
    setNpub("");
    setUnusable(outcome.unusable.map((u) => u.reason));
    setDone(true);
  });
  if (!context.group.admin) return null;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setDone(false);
        void invite.run();
      }}
    >
      <TextField
        label="Add someone by account id (npub)"
        value={npub}
        onChange={(e) => setNpub(e.target.value)}
        placeholder="npub1…"
        spellCheck={false}
        autoCapitalize="none"
      />
      <ErrorNote>{invite.error}</ErrorNote>
      <button type="submit" className="secondary" disabled={invite.busy || !npub.trim()}>
        Invite
      </button>
      {done && (
        <span className="saved" role="status">
          Invitation sent
        </span>
      )}
      {done &&
        unusable.map((reason, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the same reason may repeat, in a fixed order
          <p key={i} className="hint" role="status">
            One of their devices could not be added: {reason}. Ask them to open Rally so it publishes a new
            key package, then invite them again.
          </p>
        ))}
    </form>
  );
}

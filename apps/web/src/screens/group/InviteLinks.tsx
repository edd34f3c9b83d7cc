/**
 * Invite links: made by an admin, shown as a link and a QR code. The link's secret is in the part
 * after `#`, which browsers never send to a server. Links can be for one person or several, expire,
 * require approval, and be revoked.
 */
import type { InviteLinkInfo } from "@rally/client";
import { useState } from "react";
import { useAction, useClient, useLive } from "../../app/client.tsx";
import { CheckField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";
import { QrCode } from "../../ui/QrCode.tsx";

const USES = [
  { value: "1", label: "One person", uses: 1 },
  { value: "10", label: "Up to 10 people", uses: 10 },
  { value: "50", label: "Up to 50 people", uses: 50 },
  { value: "any", label: "Anyone with the link", uses: undefined },
] as const;

const EXPIRY = [
  { value: "3600", label: "1 hour", seconds: 3600 },
  { value: "86400", label: "1 day", seconds: 86_400 },
  { value: "604800", label: "1 week", seconds: 604_800 },
  { value: "2592000", label: "30 days", seconds: 2_592_000 },
  { value: "never", label: "Never", seconds: undefined },
] as const;

export function describeLink(link: InviteLinkInfo, now = Date.now() / 1000): string {
  const parts: string[] = [];
  parts.push(
    link.uses === 1
      ? "For one person"
      : link.uses === null
        ? "For anyone with the link"
        : `For up to ${link.uses} people`,
  );
  parts.push(link.used === 0 ? "not used yet" : `used ${link.used} ${link.used === 1 ? "time" : "times"}`);
  if (link.revoked) parts.push("revoked");
  else if (link.expiresAt !== null) {
    parts.push(
      link.expiresAt <= now ? "expired" : `works until ${new Date(link.expiresAt * 1000).toLocaleString()}`,
    );
  }
  if (link.approve) parts.push("you approve each person");
  return parts.join(" · ");
}

function isActive(link: InviteLinkInfo, now = Date.now() / 1000): boolean {
  return (
    !link.revoked &&
    (link.expiresAt === null || link.expiresAt > now) &&
    (link.uses === null || link.used < link.uses)
  );
}

export function InviteLinks({ group, groupName }: { group: string; groupName: string }) {
  const client = useClient();
  const links = useLive((c) => c.inviteLinks(group), ["groups", "invites"], [group], group);
  const [uses, setUses] = useState<string>("1");
  const [expiry, setExpiry] = useState<string>("604800");
  const [approve, setApprove] = useState(false);
  const [created, setCreated] = useState<InviteLinkInfo | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useAction(async () => {
    const link = await client.createInviteLink(group, {
      uses: USES.find((u) => u.value === uses)?.uses,
      expiresIn: EXPIRY.find((x) => x.value === expiry)?.seconds,
      approve,
    });
    setCreated(link);
    setCopied(false);
    links.reload();
  });
  const revoke = useAction(async (id: string) => {
    await client.revokeInviteLink(group, id);
    if (created?.id === id) setCreated(null);
    links.reload();
  });
  const active = (links.data ?? []).filter((l) => isActive(l));

  return (
    <section className="card invite" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite people</h2>
      <p className="muted">Send a link or show the QR code. Whoever opens it can ask to join {groupName}.</p>
      <form
        className="invite-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <div className="field">
          <label htmlFor="invite-uses">Who can use it</label>
          <select id="invite-uses" value={uses} onChange={(e) => setUses(e.target.value)}>
            {USES.map((u) => (
              <option key={u.value} value={u.value}>
                {u.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="invite-expiry">Link stops working after</label>
          <select id="invite-expiry" value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            {EXPIRY.map((x) => (
              <option key={x.value} value={x.value}>
                {x.label}
              </option>
            ))}
          </select>
        </div>
        <CheckField
          label="I approve each person before they join"
          checked={approve}
          onChange={(e) => setApprove(e.target.checked)}
        />
        <ErrorNote>{create.error}</ErrorNote>
        <button type="submit" className="primary" disabled={create.busy}>
          {create.busy ? "Making link…" : "Create invite link"}
        </button>
      </form>

      {created && (
        <div className="new-link">
          <label htmlFor="invite-link-output">Invite link</label>
          <div className="copy-row">
            <input id="invite-link-output" readOnly value={created.url} onFocus={(e) => e.target.select()} />
            <button
              type="button"
              className="secondary"
              onClick={() =>
                navigator.clipboard.writeText(created.url).then(
                  () => setCopied(true),
                  () => setCopied(false),
                )
              }
            >
              {copied ? "Copied" : "Copy link"}
            </button>
          </div>
          <QrCode text={created.url} label={`QR code of the invite link to ${groupName}`} />
          <p className="muted small-print">
            Share it only with people you want in the group: the link is the key.
          </p>
        </div>
      )}

      {active.length > 0 && (
        <>
          <h3>Active links</h3>
          <ul className="link-list">
            {active.map((link) => (
              <li key={link.id}>
                <span>{describeLink(link)}</span>
                <button
                  type="button"
                  className="quiet small danger-text"
                  disabled={revoke.busy}
                  onClick={() => void revoke.run(link.id)}
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <ErrorNote>{revoke.error}</ErrorNote>
    </section>
  );
}

/**
 * For the group's admins, on an event's page: the group's public page (its own key, name, about
 * and picture — never an organiser's), publishing this event there or taking it down, whether the
 * hosts approve answers first, and the answers people without Rally sent from the page, to approve
 * or refuse. Closed by default: most events stay private.
 */
import type { EventView, PublicAnswerView, PublicFaceView } from "@rally/client";
import { useState } from "react";
import { type Live, useAction, useClient, useLive } from "../../app/client.tsx";
import { count } from "../../lib/plural.ts";
import { Advanced } from "../../ui/Advanced.tsx";
import { ConfirmButton } from "../../ui/ConfirmButton.tsx";
import { CheckField, TextArea, TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";

const STATUS_WORDS = { going: "going", maybe: "maybe", declined: "can't go" } as const;

export function PublicPage({
  event,
  groupId,
  groupName,
}: {
  event: EventView;
  groupId: string;
  groupName: string;
}) {
  const face = useLive((c) => c.publicFace(groupId), ["groups", "events"], [groupId], groupId);
  return (
    <div className="public-page">
      <Advanced label="Public page">
        {face.error && <ErrorNote>{face.error.message}</ErrorNote>}
        {face.data !== undefined && (
          <>
            <GroupFace
              // A face turned on elsewhere fills the form afresh.
              key={face.data ? `${face.data.npub}:${face.data.on}` : "none"}
              face={face}
              groupId={groupId}
              groupName={groupName}
            />
            <PublishEvent event={event} groupId={groupId} face={face.data} />
            <WebAnswers event={event} groupId={groupId} />
          </>
        )}
      </Advanced>
    </div>
  );
}

function GroupFace({
  face: live,
  groupId,
  groupName,
}: {
  face: Live<PublicFaceView | null>;
  groupId: string;
  groupName: string;
}) {
  const client = useClient();
  const face = live.data ?? null;
  const on = face?.on === true;
  const [name, setName] = useState(on ? face.profile.name : groupName);
  const [about, setAbout] = useState(on ? (face.profile.about ?? "") : "");
  const [picture, setPicture] = useState(on ? (face.profile.picture ?? "") : "");
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    if (!name.trim()) throw new Error("Give the public page a name.");
    await client.setPublicFace(groupId, {
      name: name.trim(),
      ...(about.trim() ? { about: about.trim() } : {}),
      ...(picture.trim() ? { picture: picture.trim() } : {}),
    });
    setSaved(true);
    live.reload();
  });
  const off = useAction(async () => {
    await client.setPublicFace(groupId, { off: true });
    live.reload();
  });
  return (
    <section aria-labelledby="face-heading">
      <h4 id="face-heading">The group's public page</h4>
      <p className="muted">
        People without Rally can see the events you publish and answer them. The page has the group's own key
        and the name you give here — not yours or any member's.
      </p>
      {on && (
        <p className="saved" role="status">
          {saved ? "Saved. " : ""}The group's public page: <a href={face.url}>{face.url}</a>
        </p>
      )}
      {face && !on && <p role="status">The public page is off; its events were taken down.</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <TextField
          label="Public name"
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
        />
        <TextArea
          label="About (optional)"
          value={about}
          maxLength={1000}
          rows={2}
          onChange={(e) => setAbout(e.target.value)}
        />
        <TextField
          label="Picture (optional)"
          hint="A link to a picture, starting with https://"
          type="url"
          value={picture}
          onChange={(e) => setPicture(e.target.value)}
        />
        <div className="actions">
          <button type="submit" className="secondary" disabled={save.busy}>
            {on ? "Update the public page" : "Turn on the public page"}
          </button>
          {on && (
            <ConfirmButton
              label="Turn off"
              question="Take the public page and every published event down?"
              confirmLabel="Turn off"
              busy={off.busy}
              onConfirm={() => void off.run()}
            />
          )}
        </div>
      </form>
      <ErrorNote>{save.error ?? off.error}</ErrorNote>
    </section>
  );
}

function PublishEvent({
  event,
  groupId,
  face,
}: {
  event: EventView;
  groupId: string;
  face: PublicFaceView | null;
}) {
  const client = useClient();
  const page = face?.on ? face.events.find((e) => e.event === event.id) : undefined;
  const [downNote, setDownNote] = useState(false);
  const publish = useAction(async () => {
    setDownNote(false);
    await client.publishEvent(groupId, event.id);
  });
  const unpublish = useAction(async () => {
    await client.unpublishEvent(groupId, event.id);
    setDownNote(true);
  });
  // The box shows the choice at once; the event catches up when the edit is written.
  const [asked, setAsked] = useState<boolean | null>(null);
  const approval = useAction(async (on: boolean) => {
    setAsked(on);
    try {
      await client.editEvent(groupId, event.id, { approval: on });
    } finally {
      setAsked(null);
    }
  });
  return (
    <section aria-labelledby="publish-heading">
      <h4 id="publish-heading">This event in public</h4>
      {page && (
        <p className="saved" role="status">
          Published: <a href={page.url}>{page.url}</a>
        </p>
      )}
      {!page && downNote && <p role="status">Taken down: it is no longer on the public page.</p>}
      <CheckField
        label="Needs approval"
        hint="The hosts approve each answer from the public; the place is kept off the page and sent only to the people approved."
        checked={asked ?? event.approval}
        disabled={approval.busy}
        onChange={(e) => void approval.run(e.target.checked)}
      />
      {face?.on ? (
        <div className="actions">
          {page ? (
            <button
              type="button"
              className="quiet"
              disabled={unpublish.busy}
              onClick={() => void unpublish.run()}
            >
              Unpublish
            </button>
          ) : (
            <button
              type="button"
              className="secondary"
              disabled={publish.busy}
              onClick={() => void publish.run()}
            >
              Publish this event
            </button>
          )}
        </div>
      ) : (
        <p className="muted">Turn on the group's public page above to publish this event.</p>
      )}
      <ErrorNote>{publish.error ?? unpublish.error ?? approval.error}</ErrorNote>
    </section>
  );
}

function WebAnswers({ event, groupId }: { event: EventView; groupId: string }) {
  const client = useClient();
  const answers = useLive(
    async (c) => (await c.eventAnswers(groupId, event.id)).filter((a) => a.via === "web"),
    ["events"],
    [groupId, event.id],
    groupId,
  );
  const decide = useAction(async (answer: PublicAnswerView, decision: "approved" | "refused") => {
    await client.decideAnswer(groupId, event.id, answer.id, decision);
    answers.reload();
  });
  const list = answers.data ?? [];
  return (
    <section aria-labelledby="web-answers-heading">
      <h4 id="web-answers-heading">Answers from the public</h4>
      {answers.error && <ErrorNote>{answers.error.message}</ErrorNote>}
      {answers.data && list.length === 0 && (
        <p className="muted">No one has answered from the public page yet.</p>
      )}
      {list.length > 0 && (
        <ul className="web-answers">
          {list.map((a) => (
            <li key={a.id}>
              <span>
                <strong>{a.name}</strong> — {STATUS_WORDS[a.status]}
                {a.guests > 0 ? ` with ${count(a.guests, "guest")}` : ""}
                {a.contact && <span className="muted block">Contact: {a.contact}</span>}
                {a.note && <span className="muted block">"{a.note}"</span>}
                <span className="muted block">
                  {a.decision === "pending"
                    ? event.approval
                      ? "Waiting for approval"
                      : "Counted (no approval needed)"
                    : a.decision === "approved"
                      ? "Approved"
                      : "Refused"}
                </span>
              </span>
              {a.decision === "pending" && (
                <span className="actions">
                  <button
                    type="button"
                    className="secondary small"
                    disabled={decide.busy}
                    aria-label={`Approve ${a.name}`}
                    onClick={() => void decide.run(a, "approved")}
                  >
                    Approve
                  </button>
                  <button
                    type="button"
                    className="quiet small"
                    disabled={decide.busy}
                    aria-label={`Refuse ${a.name}`}
                    onClick={() => void decide.run(a, "refused")}
                  >
                    Refuse
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorNote>{decide.error}</ErrorNote>
    </section>
  );
}

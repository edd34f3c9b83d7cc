/** A group's polls: ask a question (or find a date), vote, and see the answers as they come in. */
import { compareWritten, type PollView } from "@rally/client";
import { useState } from "react";
import { useAction, useClient, useLive } from "../../app/client.tsx";
import { ErrorNote, Loading } from "../../ui/Notice.tsx";
import type { GroupContext } from "../group/groupContext.ts";
import { PollForm } from "./PollForm.tsx";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function optionLabel(poll: Pick<PollView, "dates">, label: string): string {
  if (poll.dates && DATE.test(label)) {
    return new Date(`${label}T12:00:00`).toLocaleDateString(undefined, {
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
    });
  }
  return label;
}

export function PollsTab({ context }: { context: GroupContext }) {
  const groupId = context.group.id;
  const polls = useLive((c) => c.polls(groupId), ["polls", "events"], [groupId], groupId);
  const [creating, setCreating] = useState(false);
  // Newest first, in the group's order (two polls of one second as they were made).
  const sorted = polls.data ? [...polls.data].sort((a, b) => compareWritten(b, a)) : null;
  return (
    <div className="screen polls">
      <div className="list-head">
        <h2 className="section-title">Polls</h2>
        {!creating && context.active && (
          <button type="button" className="primary small" onClick={() => setCreating(true)}>
            New poll
          </button>
        )}
      </div>
      {creating && <PollForm groupId={groupId} onDone={() => setCreating(false)} />}
      {polls.error && <ErrorNote>{polls.error.message}</ErrorNote>}
      {!sorted && !polls.error && <Loading what="polls" />}
      {sorted && sorted.length === 0 && !creating && (
        <p className="muted">
          No polls yet. Ask the group something — or let everyone pick a date that works.
        </p>
      )}
      {sorted?.map((poll) => (
        <PollCard
          key={poll.id}
          poll={poll}
          groupId={groupId}
          nameOf={context.nameOf}
          members={context.members.length}
          canVote={context.active}
        />
      ))}
    </div>
  );
}

function PollCard({
  poll,
  groupId,
  nameOf,
  members,
  canVote,
}: {
  poll: PollView;
  groupId: string;
  nameOf: (npub: string) => string;
  members: number;
  canVote: boolean;
}) {
  const client = useClient();
  const [choice, setChoice] = useState<string[]>(poll.myVote);
  const vote = useAction(async () => client.vote(groupId, poll.id, choice));
  const voters = new Set(poll.options.flatMap((o) => o.votes)).size;
  const most = Math.max(1, ...poll.options.map((o) => o.votes.length));
  const changed = choice.length > 0 && [...choice].sort().join() !== [...poll.myVote].sort().join();
  const name = `poll-${poll.id}`;
  return (
    <article className="card poll" aria-labelledby={`${name}-q`}>
      <h3 id={`${name}-q`}>
        {poll.dates && <span className="tag">Pick a date</span>}
        {poll.question}
      </h3>
      <p className="muted small-print">
        Asked by {nameOf(poll.author)} · {voters} of {members} answered
        {poll.multiple ? " · pick as many as you like" : ""}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void vote.run();
        }}
      >
        <fieldset>
          <legend className="visually-hidden">{poll.question}</legend>
          <ul className="poll-options">
            {poll.options.map((o) => {
              const id = `${name}-${o.id}`;
              const checked = choice.includes(o.id);
              return (
                <li key={o.id}>
                  <input
                    id={id}
                    type={poll.multiple ? "checkbox" : "radio"}
                    name={name}
                    checked={checked}
                    onChange={(e) =>
                      setChoice(
                        poll.multiple
                          ? e.target.checked
                            ? [...choice, o.id]
                            : choice.filter((c) => c !== o.id)
                          : [o.id],
                      )
                    }
                  />
                  <label htmlFor={id}>
                    <span className="option-label">{optionLabel(poll, o.label)}</span>
                    <span className="option-count">
                      {o.votes.length} {o.votes.length === 1 ? "vote" : "votes"}
                    </span>
                    <span className="bar" aria-hidden="true">
                      <span style={{ width: `${(o.votes.length / most) * 100}%` }} />
                    </span>
                    {o.votes.length > 0 && <span className="voters">{o.votes.map(nameOf).join(", ")}</span>}
                  </label>
                </li>
              );
            })}
          </ul>
        </fieldset>
        <ErrorNote>{vote.error}</ErrorNote>
        {canVote && (
          <button type="submit" className="primary small" disabled={vote.busy || !changed}>
            {poll.myVote.length > 0 ? "Change vote" : "Vote"}
          </button>
        )}
      </form>
    </article>
  );
}

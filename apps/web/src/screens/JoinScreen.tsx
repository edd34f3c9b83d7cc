/**
 * Following an invite link. The request goes to the group at once; an admin's device has to be
 * online to let the person in, which may take a while — the screen says so calmly, keeps asking in
 * the background, and opens the group the moment it is in. A link that cannot work as it is
 * (damaged on its way, expired, not a link) is said so once: asking again would not help.
 */
import { type JoinState, RallyError } from "@rally/client";
import { useEffect, useState } from "react";
import { useClient } from "../app/client.tsx";
import { useInviteLink } from "../app/inviteLink.tsx";
import { navigate } from "../app/router.ts";
import { groupHash } from "../app/routes.ts";
import { ErrorNote, Loading } from "../ui/Notice.tsx";

const RETRY_MS = 15_000;

/** Refusals of the link itself, which no retry changes: only a new link helps. */
const FINAL_CODES = new Set(["link-damaged", "link-expired", "bad-input"]);

interface JoinError {
  message: string;
  /** True when the link itself was refused (nothing was sent; Rally stops asking). */
  final: boolean;
}

export function JoinScreen() {
  const client = useClient();
  const invite = useInviteLink();
  // The link as it was when this screen opened: answering it forgets it, and the screen still shows
  // how it went.
  const [link, setLink] = useState<string | null | undefined>(invite.link);
  useEffect(() => {
    if (link === undefined && invite.link !== undefined) setLink(invite.link);
  }, [link, invite.link]);
  const forget = invite.forget;
  const [state, setState] = useState<JoinState | null>(null);
  const [error, setError] = useState<JoinError | null>(null);

  useEffect(() => {
    if (!link) return;
    let alive = true;
    let running = false;
    let stopped = false;
    const ask = async () => {
      if (running || stopped) return;
      running = true;
      try {
        const next = await client.join(link);
        if (!alive) return;
        setState(next);
        setError(null);
        if (next.state !== "waiting") void forget();
      } catch (e) {
        const final = e instanceof RallyError && FINAL_CODES.has(e.code);
        if (final) stop();
        if (alive) setError({ message: e instanceof Error ? e.message : String(e), final });
      } finally {
        running = false;
      }
    };
    const off = client.onChange((what) => {
      if (what.kind === "groups" || what.kind === "invites") void ask();
    });
    const timer = setInterval(() => void ask(), RETRY_MS);
    function stop() {
      stopped = true;
      off();
      clearInterval(timer);
    }
    void ask();
    return () => {
      alive = false;
      stop();
    };
  }, [client, link, forget]);

  useEffect(() => {
    if (state?.state !== "joined") return;
    const timer = setTimeout(() => navigate(groupHash(state.groupId), { replace: true }), 1200);
    return () => clearTimeout(timer);
  }, [state]);

  if (link === undefined) {
    return (
      <div className="screen narrow">
        <Loading what="your invitation" />
      </div>
    );
  }
  if (!link) {
    return (
      <div className="screen narrow">
        <h1>No invitation open</h1>
        <p className="muted">
          Open the invite link you were sent, or <a href="#/">go to your groups</a>.
        </p>
      </div>
    );
  }
  const groupName = state?.state === "waiting" ? state.group : state?.state === "joined" ? state.name : null;
  return (
    <div className="screen narrow join">
      <h1>{groupName ? `Joining ${groupName}` : "Joining a group"}</h1>
      {error && (
        <>
          <ErrorNote>{error.message}</ErrorNote>
          {!error.final && (
            <p className="muted">Rally keeps trying. If the link is old, ask for a new one.</p>
          )}
          <button
            type="button"
            className="quiet"
            onClick={() => {
              void forget();
              navigate("#/");
            }}
          >
            Forget this link
          </button>
        </>
      )}
      {!error && state === null && (
        <p className="loading" role="status">
          Sending your request…
        </p>
      )}
      {state?.state === "waiting" && (
        <div className="waiting" role="status">
          <div className="pulse" aria-hidden="true" />
          <h2>Waiting for the group to let you in</h2>
          <p>
            Your request is on its way. Someone who runs the group has to be online to let you in — this can
            take a moment, or longer if they are away.
          </p>
          <p className="muted">You can close Rally; you will be in the group when you come back.</p>
        </div>
      )}
      {state?.state === "joined" && (
        <div className="joined" role="status">
          <h2>You're in!</h2>
          <p>
            <a href={groupHash(state.groupId)}>Open {state.name}</a>
          </p>
        </div>
      )}
      {state?.state === "refused" && (
        <div role="alert">
          <h2>This link did not work</h2>
          <p>{state.reason}</p>
          <p className="muted">Ask the person who sent it for a new invite link.</p>
          <a className="button secondary" href="#/">
            Go to your groups
          </a>
        </div>
      )}
    </div>
  );
}

/**
 * "Link a new device": a single-use link (QR code and text to copy) that the new device opens, a
 * countdown to its expiry, and the link's progress. While it is in progress this device syncs every
 * two seconds, since each step of the link happens in a sync round.
 *
 * Links are always made with confirmation: whoever opens the link only asks, and nobody gets the
 * account until the person links the request whose code their own new device shows. Someone who saw
 * the link (a QR code over a shoulder, a shared screen) can ask too, but with another code, so it is
 * listed beside the person's own device, and "Not mine" closes the link answering nobody.
 */
import type { DeviceLinkProgress } from "@rally/client";
import { useEffect, useId, useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { useSyncOften } from "../../app/syncOften.ts";
import {
  CHECK_CODE_NOTE,
  countdown,
  linkInProgress,
  linkProgressText,
  severalAskedText,
} from "../../lib/deviceLinkText.ts";
import { ErrorNote } from "../../ui/Notice.tsx";
import { QrCode } from "../../ui/QrCode.tsx";

export function LinkNewDevice({ onLinked }: { onLinked: () => void }) {
  const client = useClient();
  const [made, setMade] = useState<{ link: string; expiresAt: number } | null>(null);
  const [progress, setProgress] = useState<DeviceLinkProgress | undefined>(undefined);
  const [copied, setCopied] = useState(false);
  const make = useAction(async () => {
    const next = await client.linkDevice({ confirm: true });
    setCopied(false);
    setProgress(undefined);
    confirm.clearError();
    refuse.clearError();
    setMade(next);
  });

  const read = async () => {
    if (!made) return;
    const mine = (await client.deviceLinks().catch(() => [])).find((p) => p.expiresAt === made.expiresAt);
    setProgress(mine);
    if (mine?.state === "linked") onLinked();
  };
  // Either one changes the link (answered, or closed when two requests had the code): read it again.
  const confirm = useAction(async (code: string) => {
    try {
      await client.confirmDeviceLink(code);
    } finally {
      await read();
    }
  });
  const refuse = useAction(async () => {
    try {
      await client.refuseDeviceLinks();
    } finally {
      await read();
    }
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: read once when a link is made.
  useEffect(() => {
    void read();
  }, [made]);
  const active = made !== null && (progress === undefined || linkInProgress(progress));
  useSyncOften(active, () => void read());

  const showLink = made !== null && (progress === undefined || progress.state === "waiting");
  return (
    <div className="link-device">
      <h3>Link a new device</h3>
      <p className="muted">
        Open the link on your other device (phone, laptop) to use Rally there with the same account and
        groups. The link works once, for ten minutes, and only while this device is open.
      </p>
      {!showLink && progress?.state !== "asked" && (
        <button type="button" className="secondary" disabled={make.busy} onClick={() => void make.run()}>
          {make.busy ? "Making link…" : made ? "Link another device" : "Link a new device"}
        </button>
      )}
      <ErrorNote>{make.error}</ErrorNote>
      {made && showLink && (
        <div className="new-link">
          <label htmlFor="device-link-output">Device link</label>
          <div className="copy-row">
            <input id="device-link-output" readOnly value={made.link} onFocus={(e) => e.target.select()} />
            <button
              type="button"
              className="secondary"
              onClick={() =>
                navigator.clipboard.writeText(made.link).then(
                  () => setCopied(true),
                  () => setCopied(false),
                )
              }
            >
              {copied ? "Copied" : "Copy link"}
            </button>
          </div>
          <QrCode text={made.link} label="QR code of the link for your new device" />
          <Countdown expiresAt={made.expiresAt} />
          <p className="muted small-print">
            Anyone with this link can read your groups: open it only on your own device.
          </p>
        </div>
      )}
      {progress && (
        <p role="status" className="link-progress">
          {linkProgressText(progress)}
        </p>
      )}
      {progress?.state === "asked" && (
        <Asks
          asks={progress.asks}
          busy={confirm.busy || refuse.busy}
          onLink={(code) => void confirm.run(code)}
          onRefuse={() => void refuse.run()}
        />
      )}
      <ErrorNote>{confirm.error ?? refuse.error}</ErrorNote>
    </div>
  );
}

/** The requests waiting for the person: each device's name, its code in large digits, and a button. */
function Asks({
  asks,
  busy,
  onLink,
  onRefuse,
}: {
  asks: DeviceLinkProgress["asks"];
  busy: boolean;
  onLink: (code: string) => void;
  onRefuse: () => void;
}) {
  const id = useId();
  const several = severalAskedText(asks.length);
  return (
    <div className="link-asks">
      {several && <p className="banner">{several}</p>}
      <ul className="link-ask-list" aria-label="Devices asking to be linked">
        {asks.map((ask, i) => {
          // Two requests may share a name (anyone can type "Laptop") and, rarely, a code.
          const codeId = `${id}-code-${i}`;
          return (
            <li key={codeId}>
              <bdi className="device-name">{ask.name}</bdi>
              <span className="link-code" id={codeId}>
                {ask.code}
              </span>
              <button
                type="button"
                className="primary"
                disabled={busy}
                aria-describedby={codeId}
                onClick={() => onLink(ask.code)}
              >
                Link {ask.name}
              </button>
            </li>
          );
        })}
      </ul>
      <p className="muted">{CHECK_CODE_NOTE}</p>
      <button type="button" className="secondary" disabled={busy} onClick={onRefuse}>
        Not mine
      </button>
    </div>
  );
}

function Countdown({ expiresAt }: { expiresAt: number }) {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(timer);
  }, []);
  return <p className="muted">Expires in {countdown(expiresAt, now)}</p>;
}

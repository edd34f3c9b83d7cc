/**
 * "Link a new device": a single-use link (QR code and text to copy) that the new device opens, a
 * countdown to its expiry, and the link's progress. While it is in progress this device syncs every
 * two seconds, since each step of the link happens in a sync round.
 */
import type { DeviceLinkProgress } from "@rally/client";
import { useEffect, useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { useSyncOften } from "../../app/syncOften.ts";
import { countdown, linkInProgress, linkProgressText } from "../../lib/deviceLinkText.ts";
import { ErrorNote } from "../../ui/Notice.tsx";
import { QrCode } from "../../ui/QrCode.tsx";

export function LinkNewDevice({ onLinked }: { onLinked: () => void }) {
  const client = useClient();
  const [made, setMade] = useState<{ link: string; expiresAt: number } | null>(null);
  const [progress, setProgress] = useState<DeviceLinkProgress | undefined>(undefined);
  const [copied, setCopied] = useState(false);
  const make = useAction(async () => {
    const next = await client.linkDevice();
    setCopied(false);
    setProgress(undefined);
    setMade(next);
  });

  const read = async () => {
    if (!made) return;
    const mine = (await client.deviceLinks().catch(() => [])).find((p) => p.expiresAt === made.expiresAt);
    setProgress(mine);
    if (mine?.state === "linked") onLinked();
  };
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
      {!showLink && (
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

/**
 * Settings → "Your devices": the person's devices (this one marked), naming this one, revoking
 * another (it leaves every group and reads nothing sent afterwards), and linking a new one.
 */
import type { DeviceInfo } from "@rally/client";
import { useEffect, useState } from "react";
import { useAction, useClient, useLive } from "../../app/client.tsx";
import { ConfirmButton } from "../../ui/ConfirmButton.tsx";
import { TextField } from "../../ui/Field.tsx";
import { ErrorNote, Loading } from "../../ui/Notice.tsx";
import { LinkNewDevice } from "./LinkNewDevice.tsx";

export function DevicesCard() {
  const devices = useLive((c) => c.devices(), ["account", "groups"], []);
  const list = devices.data;
  const current = list?.find((d) => d.current);
  // Kept here: the removed device's row leaves the list as soon as it is gone.
  const [removed, setRemoved] = useState<string | null>(null);
  return (
    <section className="card devices" aria-labelledby="devices-heading">
      <h2 id="devices-heading">Your devices</h2>
      <p className="muted">Every device listed here is in all your groups and reads what they send.</p>
      {devices.error && <ErrorNote>{devices.error.message}</ErrorNote>}
      {!list && !devices.error && <Loading what="your devices" />}
      {list && (
        <ul className="device-list" aria-label="Your devices">
          {list.map((d) => (
            <DeviceRow
              key={d.id}
              device={d}
              onRevoked={(groups) => {
                setRemoved(`${d.name} was removed from ${groups} ${groups === 1 ? "group" : "groups"}.`);
                devices.reload();
              }}
            />
          ))}
        </ul>
      )}
      {removed && (
        <p role="status" className="saved">
          {removed}
        </p>
      )}
      {current && <RenameThisDevice name={current.name} onSaved={devices.reload} />}
      <LinkNewDevice onLinked={devices.reload} />
    </section>
  );
}

function DeviceRow({ device, onRevoked }: { device: DeviceInfo; onRevoked: (groups: number) => void }) {
  const client = useClient();
  const revoke = useAction(async () => onRevoked(await client.revokeDevice(device.id)));
  return (
    <li>
      <span className="device-name">{device.name}</span>
      {device.current ? (
        <span className="muted"> (this device)</span>
      ) : (
        <ConfirmButton
          label="Remove"
          question={`Remove ${device.name}? It will be removed from every group and read nothing sent afterwards.`}
          confirmLabel="Remove device"
          busy={revoke.busy}
          className="quiet small danger-text"
          onConfirm={() => void revoke.run()}
        />
      )}
      {revoke.busy && <span className="muted"> Removing…</span>}
      <ErrorNote>{revoke.error}</ErrorNote>
    </li>
  );
}

function RenameThisDevice({ name, onSaved }: { name: string; onSaved: () => void }) {
  const client = useClient();
  const [value, setValue] = useState(name);
  const [saved, setSaved] = useState(false);
  useEffect(() => setValue(name), [name]);
  const save = useAction(async () => {
    await client.setDeviceName(value.trim());
    setSaved(true);
    onSaved();
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        void save.run();
      }}
    >
      <TextField
        label="Name of this device"
        hint="Your other devices show this name."
        value={value}
        onChange={(e) => setValue(e.target.value)}
        maxLength={60}
        required
      />
      <ErrorNote>{save.error}</ErrorNote>
      <button
        type="submit"
        className="secondary"
        disabled={save.busy || !value.trim() || value.trim() === name}
      >
        Save device name
      </button>
      {saved && (
        <span className="saved" role="status">
          Saved
        </span>
      )}
    </form>
  );
}

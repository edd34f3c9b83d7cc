/**
 * `RallyClient` across the page ↔ worker boundary. Every method goes through the generic RPC; the
 * two members that cannot be remote calls are mirrored locally: `onChange` (listeners are
 * functions, so the worker pushes change notices instead) and `connection()` (synchronous, so the
 * page keeps the last state the worker pushed).
 */
import type { ChangeListener, ConnectionState, RallyClient } from "@rally/client";
import { expose, push } from "./expose.ts";
import { remote } from "./remote.ts";
import type { Endpoint } from "./wire.ts";

const CHANGE = "change";

type ChangeNotice = Parameters<ChangeListener>[0];

interface ChangePush {
  what: ChangeNotice;
  connection: ConnectionState;
}

/** Worker side: answer calls on `endpoint` with `client` and forward its change notices. */
export function serveClient(client: RallyClient | Promise<RallyClient>, endpoint: Endpoint): void {
  expose(client, endpoint);
  void Promise.resolve(client).then(
    (ready) => {
      ready.onChange((what) => {
        push(endpoint, CHANGE, { what, connection: ready.connection() } satisfies ChangePush);
      });
      push(endpoint, CHANGE, {
        what: { kind: "connection" },
        connection: ready.connection(),
      } satisfies ChangePush);
    },
    () => {
      // The failure reaches the page as the rejection of its first call.
    },
  );
}

/** Page side: a `RallyClient` whose work happens behind `endpoint`, and a way to fail it. */
export function remoteClient(endpoint: Endpoint): { client: RallyClient; close(reason?: string): void } {
  const handle = remote<RallyClient>(endpoint);
  const listeners = new Set<ChangeListener>();
  let connection: ConnectionState = "connecting";
  handle.onPush(CHANGE, (data) => {
    const notice = data as ChangePush;
    connection = notice.connection;
    for (const listener of listeners) listener(notice.what);
  });
  const local: Pick<RallyClient, "onChange" | "connection"> = {
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    connection: () => connection,
  };
  const client = new Proxy(handle.api as unknown as RallyClient, {
    get(target, property, receiver) {
      if (property === "onChange" || property === "connection") return local[property];
      return Reflect.get(target, property, receiver);
    },
  });
  return {
    client,
    close(reason) {
      handle.close(reason);
      connection = "offline";
      for (const listener of listeners) listener({ kind: "connection" });
    },
  };
}

/**
 * React access to the engine: the `RallyClient` in context, and `useLive`, which loads data and
 * loads it again whenever the engine says that kind of data changed.
 */
import type { ChangeListener, ConnectionState, RallyClient } from "@rally/client";
import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";

export type ChangeKind = Parameters<ChangeListener>[0]["kind"];

const ClientContext = createContext<RallyClient | null>(null);

export function ClientProvider({ client, children }: { client: RallyClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): RallyClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error("useClient outside ClientProvider");
  return client;
}

export interface Live<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload(): void;
}

export interface LiveOptions {
  /** At least this long between reloads caused by change notices (for costly reads). */
  throttleMs?: number;
}

/**
 * Runs `load` now and again after every change notice of one of `kinds` (for `group`, when
 * given); the engine names what changed (chat, events, polls, names, …). Loads never overlap: a
 * notice during a load schedules one more load after it, so a burst of incoming messages costs
 * two reads, not one per message.
 */
export function useLive<T>(
  load: (client: RallyClient) => Promise<T>,
  kinds: readonly ChangeKind[],
  deps: readonly unknown[],
  group?: string,
  options: LiveOptions = {},
): Live<T> {
  const client = useClient();
  const [state, setState] = useState<{ data: T | undefined; error: Error | null; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const reloadRef = useRef<() => void>(() => {});

  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's inputs to `load`.
  useEffect(() => {
    let alive = true;
    let running = false;
    let again = false;
    setState((s) => ({ ...s, data: undefined, loading: true }));
    const run = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      do {
        again = false;
        try {
          const data = await loadRef.current(client);
          if (alive) setState({ data, error: null, loading: false });
        } catch (error) {
          if (alive) setState((s) => ({ ...s, error: error as Error, loading: false }));
        }
      } while (again && alive);
      running = false;
    };
    reloadRef.current = () => void run();
    void run();
    const throttle = options.throttleMs ?? 0;
    let lastNotice = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = client.onChange((what) => {
      if (!kinds.includes(what.kind)) return;
      if (group !== undefined && what.group !== undefined && what.group !== group) return;
      const wait = lastNotice + throttle - Date.now();
      if (wait <= 0) {
        lastNotice = Date.now();
        void run();
      } else if (timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          lastNotice = Date.now();
          void run();
        }, wait);
      }
    });
    return () => {
      alive = false;
      clearTimeout(timer);
      off();
    };
  }, [client, group, kinds.join(","), options.throttleMs, ...deps]);

  return { ...state, reload: () => reloadRef.current() };
}

/**
 * The engine's connection state, re-rendered whenever it changes. When the device itself says it
 * has no network, that wins: it is known at once, while sockets can take a while to notice.
 */
export function useConnection(): ConnectionState {
  const client = useClient();
  return useSyncExternalStore(
    (notify) => {
      const off = client.onChange((what) => what.kind === "connection" && notify());
      window.addEventListener("online", notify);
      window.addEventListener("offline", notify);
      return () => {
        off();
        window.removeEventListener("online", notify);
        window.removeEventListener("offline", notify);
      };
    },
    () => (navigator.onLine === false ? "offline" : client.connection()),
  );
}

/** Runs an action, tracking whether it is busy and its plain-words error. */
export function useAction<A extends unknown[], R>(
  action: (...args: A) => Promise<R>,
): { run: (...args: A) => Promise<R | undefined>; busy: boolean; error: string | null; clearError(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  return {
    busy,
    error,
    clearError: () => setError(null),
    run: async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        return await action(...args);
      } catch (e) {
        if (mounted.current) setError(e instanceof Error ? e.message : String(e));
        return undefined;
      } finally {
        if (mounted.current) setBusy(false);
      }
    },
  };
}

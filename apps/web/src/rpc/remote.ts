/**
 * The calling half of the RPC: a Proxy whose every property is a function that posts a call by
 * that name and resolves with the answer. Typed by the interface it stands for, so the compiler
 * checks every call while the wire stays generic.
 */
import { asRpcMessage, type Endpoint, fromWireError } from "./wire.ts";

/** Each method of T, returning a promise of its result (values cross by structured clone). */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export interface RemoteHandle<T> {
  api: Remote<T>;
  /** Listen to pushed notifications by topic; returns an unsubscribe function. */
  onPush(topic: string, listener: (data: unknown) => void): () => void;
  /** Rejects every call still waiting (e.g. the worker died) and stops listening. */
  close(reason?: string): void;
}

export function remote<T>(endpoint: Endpoint): RemoteHandle<T> {
  let nextId = 1;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, Set<(data: unknown) => void>>();

  const onMessage = (event: MessageEvent) => {
    const message = asRpcMessage(event.data);
    if (!message || message.rpc === "call") return;
    if (message.rpc === "push") {
      for (const listener of listeners.get(message.topic) ?? []) listener(message.data);
      return;
    }
    const pending = waiting.get(message.id);
    if (!pending) return;
    waiting.delete(message.id);
    if (message.rpc === "result") pending.resolve(message.value);
    else pending.reject(fromWireError(message.error));
  };
  endpoint.addEventListener("message", onMessage);

  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  const api = new Proxy({} as Remote<T>, {
    get(_target, property) {
      // Not a thenable: `await remote.api` must not try to call a remote "then".
      if (typeof property !== "string" || property === "then") return undefined;
      let method = methods.get(property);
      if (!method) {
        method = (...args: unknown[]) =>
          new Promise((resolve, reject) => {
            const id = nextId++;
            waiting.set(id, { resolve, reject });
            try {
              endpoint.postMessage({ rpc: "call", id, method: property, args });
            } catch (error) {
              // An argument that cannot be cloned (a function, a DOM node) fails here, not silently.
              waiting.delete(id);
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        methods.set(property, method);
      }
      return method;
    },
  });

  return {
    api,
    onPush(topic, listener) {
      const set = listeners.get(topic) ?? new Set();
      listeners.set(topic, set);
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    close(reason = "Rally's engine stopped") {
      endpoint.removeEventListener("message", onMessage);
      for (const pending of waiting.values()) pending.reject(new Error(reason));
      waiting.clear();
    },
  };
}

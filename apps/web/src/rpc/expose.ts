/**
 * The serving half of the RPC: answers calls on an endpoint by invoking the method of that name on
 * a target object. Generic — any method the target has is callable, so a new `RallyClient` method
 * needs no glue here. The target may still be loading (a promise): calls wait for it.
 */
import { asRpcMessage, type Endpoint, toWireError } from "./wire.ts";

/** Methods that must never be called across the boundary (they take functions or are internal). */
const NOT_CALLABLE = new Set(["constructor", "onChange", "then"]);

export function expose(target: object | Promise<object>, endpoint: Endpoint): () => void {
  const ready = Promise.resolve(target);
  // A target that failed to load is reported to each caller; it is not an unhandled rejection.
  ready.catch(() => {});
  const onMessage = (event: MessageEvent) => {
    const message = asRpcMessage(event.data);
    if (message?.rpc !== "call") return;
    const { id, method, args } = message;
    void (async () => {
      try {
        const object = (await ready) as Record<string, unknown>;
        const fn = object[method];
        if (NOT_CALLABLE.has(method) || method.startsWith("_") || typeof fn !== "function") {
          throw new Error(`"${method}" is not something Rally can do`);
        }
        const value: unknown = await fn.apply(object, args);
        endpoint.postMessage({ rpc: "result", id, value });
      } catch (error) {
        endpoint.postMessage({ rpc: "error", id, error: toWireError(error) });
      }
    })();
  };
  endpoint.addEventListener("message", onMessage);
  return () => endpoint.removeEventListener("message", onMessage);
}

/** Sends a notification to the other side (received by `remote`'s `onPush`). */
export function push(endpoint: Endpoint, topic: string, data: unknown): void {
  endpoint.postMessage({ rpc: "push", topic, data });
}

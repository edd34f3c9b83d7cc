/**
 * The little of the WebSocket API the relay pool uses, so that the pool runs over the browser's
 * global `WebSocket` and over the `ws` package in Node without depending on either's types.
 *
 * Runs in: Node and browsers (types only).
 */

/** `readyState` values shared by the browser API and `ws`. */
export const WS_OPEN = 1;

export interface WebSocketLike {
  readonly readyState: number;
  // Handlers are typed `(event: never) => void` so that both the DOM's and `ws`'s classes (whose
  // event types differ) are assignable; the pool reads only `data`, `code`, `reason` and `message`.
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The shape of the events the pool reads, as both implementations deliver them. */
export interface MessageEventLike {
  data: unknown;
}
export interface CloseEventLike {
  code?: number;
  reason?: string;
}
export interface ErrorEventLike {
  message?: string;
  error?: unknown;
}

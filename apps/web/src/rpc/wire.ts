/**
 * The wire format of Rally's page ↔ worker RPC (over `postMessage`, so structured clone): calls by
 * method name answered by id, and pushed notifications. Errors cross as plain records because
 * structured clone keeps an Error's message but not its class or extra fields (`RallyError.code`).
 */
import { RallyError } from "@rally/client";

/** Anything with `postMessage` and message events: a Worker, a worker's `self`, a MessagePort. */
export interface Endpoint {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

export interface CallMessage {
  rpc: "call";
  id: number;
  method: string;
  args: unknown[];
}

export interface ResultMessage {
  rpc: "result";
  id: number;
  value: unknown;
}

export interface ErrorMessage {
  rpc: "error";
  id: number;
  error: WireError;
}

/** A notification the exposing side sends on its own (e.g. "something changed"). */
export interface PushMessage {
  rpc: "push";
  topic: string;
  data: unknown;
}

export type RpcMessage = CallMessage | ResultMessage | ErrorMessage | PushMessage;

export interface WireError {
  name: string;
  message: string;
  code?: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof RallyError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

export function fromWireError(wire: WireError): Error {
  if (wire.name === "RallyError") return new RallyError(wire.message, wire.code);
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

/** Narrows an incoming message; anything that is not ours (other libraries' messages) is ignored. */
export function asRpcMessage(data: unknown): RpcMessage | null {
  if (typeof data !== "object" || data === null) return null;
  const rpc = (data as { rpc?: unknown }).rpc;
  if (rpc === "call") {
    const m = data as Partial<CallMessage>;
    return typeof m.id === "number" && typeof m.method === "string" && Array.isArray(m.args)
      ? (data as CallMessage)
      : null;
  }
  if (rpc === "result" || rpc === "error") {
    return typeof (data as { id?: unknown }).id === "number" ? (data as ResultMessage | ErrorMessage) : null;
  }
  if (rpc === "push")
    return typeof (data as { topic?: unknown }).topic === "string" ? (data as PushMessage) : null;
  return null;
}

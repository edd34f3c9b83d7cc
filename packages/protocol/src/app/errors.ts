/**
 * Refusals of the application layer's builders: input that cannot become a valid inner message.
 * Each is a `ProtocolError` of layer "app"; `field` names the input that was refused.
 */

import { ProtocolError } from "../errors.ts";

export type AppErrorCode =
  /** An argument a builder cannot turn into a valid rumor (author, time, tag, answer…). */
  | "bad-input"
  /** Text a person typed that breaks a text rule (too long, blank…); the message is a whole sentence. */
  | "bad-text";

/** Thrown by builders given input they cannot turn into a valid rumor. */
export class InvalidInputError extends ProtocolError<AppErrorCode> {
  constructor(
    readonly field: string,
    message: string,
    code: AppErrorCode = "bad-input",
  ) {
    super("app", code, message);
    this.name = "InvalidInputError";
  }
}

/** Errors of the iCalendar reader and writer, with messages meant for the person importing a file. */

export class IcsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IcsError";
  }
}

/**
 * Standard input read in order by everyone who needs it: `--passphrase-stdin` takes the first line,
 * the command itself (a message after `-`, a link, the recovery words) what follows. One reader
 * keeps what it read ahead, so a line taken first leaves the rest intact for the next reader.
 *
 * Reading stops past a cap well above anything Rally accepts, so a stray pipe from a large file
 * cannot fill the memory.
 */

let buffered: Buffer = Buffer.alloc(0);
let ended = false;
let reader: AsyncIterator<Buffer> | null = null;

/** Reads one more chunk into the buffer; false at the end of the input. */
async function more(): Promise<boolean> {
  if (ended) return false;
  reader ??= (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const next = await reader.next();
  if (next.done) {
    ended = true;
    return false;
  }
  buffered = Buffer.concat([buffered, next.value]);
  return true;
}

/**
 * The next line's bytes without its line break (LF or CR LF); null when the input has ended with
 * nothing left. `tooLong` is thrown when a line passes `maxBytes`.
 */
export async function readLineBytes(maxBytes: number, tooLong: () => Error): Promise<Uint8Array | null> {
  for (;;) {
    const end = buffered.indexOf(0x0a);
    if (end >= 0) {
      const line = buffered.subarray(0, end);
      buffered = buffered.subarray(end + 1);
      return line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
    }
    if (buffered.length > maxBytes) throw tooLong();
    if (!(await more())) {
      if (buffered.length === 0) return null;
      const last = buffered;
      buffered = Buffer.alloc(0);
      return last;
    }
  }
}

/** Everything left on standard input, up to `maxBytes` (past it `tooLong` is thrown). */
export async function readRestBytes(maxBytes: number, tooLong: () => Error): Promise<Uint8Array> {
  while (buffered.length <= maxBytes && (await more())) {
    // keep reading
  }
  if (buffered.length > maxBytes) {
    process.stdin.destroy();
    throw tooLong();
  }
  const all = buffered;
  buffered = Buffer.alloc(0);
  return all;
}

/**
 * Lets the process end when a command is done though the input was read only in part (a line
 * taken from a pipe that stays open).
 */
export function releaseStdin(): void {
  if (reader && !ended) process.stdin.destroy();
}

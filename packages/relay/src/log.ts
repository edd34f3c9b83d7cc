/**
 * The relay's log. Privacy by default: callers log events of the relay's life (listening, stopped,
 * storage errors, counters) — never IP addresses, never event content, never keys of people.
 */
export type Log = (line: string) => void;

export const stderrLog: Log = (line) => {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
};

export const silentLog: Log = () => {};

/**
 * Preloaded (NODE_OPTIONS=--import) into a `rally` process by tests that need two people to answer
 * within the same second on different devices: the process's clock starts at
 * RALLY_TEST_CLOCK_START_MS and runs a hundred times slower than real time, so everything it writes
 * during one command carries the same second. Timers are untouched.
 */
const RealDate = Date;
const started = RealDate.now();
const base = Number(process.env.RALLY_TEST_CLOCK_START_MS);
const now = () => Math.floor(base + (RealDate.now() - started) / 100);

class SlowDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(now());
    else super(...args);
  }
  static now() {
    return now();
  }
}
if (Number.isFinite(base)) globalThis.Date = SlowDate;

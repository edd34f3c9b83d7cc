/**
 * Preloaded (NODE_OPTIONS=--import) into a `rally` process by tests of a device whose clock is set
 * wrong: the process's clock reads RALLY_TEST_CLOCK_OFFSET_MS milliseconds ahead of the real time
 * (negative: behind), and runs at the real pace. Timers are untouched.
 */
const RealDate = Date;
const offset = Number(process.env.RALLY_TEST_CLOCK_OFFSET_MS);
const now = () => RealDate.now() + offset;

class OffsetDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(now());
    else super(...args);
  }
  static now() {
    return now();
  }
}
if (Number.isFinite(offset) && offset !== 0) globalThis.Date = OffsetDate;

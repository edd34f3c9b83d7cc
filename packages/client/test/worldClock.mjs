/**
 * Preloaded (NODE_OPTIONS=--import) into the relay process of a client test world
 * (`world.ts`): the process's clock reads the real time plus the offset, in ms, written in the file
 * RALLY_TEST_WORLD_CLOCK_FILE — the world's clock, which tests move to let time pass for every
 * device of the world. The relay moves with it, as the real relays' clocks move with real time,
 * so devices that learn the relay's time (and stamp with it) see their own clock as right.
 * Timers are untouched.
 */
import fs from "node:fs";

const RealDate = Date;
const file = process.env.RALLY_TEST_WORLD_CLOCK_FILE;
const offset = () => {
  try {
    const n = Number(fs.readFileSync(file, "utf8"));
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
};
const now = () => RealDate.now() + offset();

class WorldDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(now());
    else super(...args);
  }
  static now() {
    return now();
  }
}
if (file) globalThis.Date = WorldDate;

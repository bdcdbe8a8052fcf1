import type { Clock } from '../core/ports';

/** The machine's clock and Node's timers, for the core's `Clock` port. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

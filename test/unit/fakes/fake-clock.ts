import type { Clock } from '../../../extension/core/ports';

/**
 * A `Clock` that tests move by hand: `now()` is virtual time, and a timer fires only when `advance`
 * passes its due time (in due order), so no test sleeps and none waits on a timeout by accident.
 */
export class FakeClock implements Clock {
  private time: number;
  private readonly timers = new Map<number, { readonly due: number; readonly fn: () => void }>();
  private nextId = 0;

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.set(id, { due: this.time + Math.max(0, ms), fn });
    return () => this.timers.delete(id);
  }

  /** Timers not fired or cancelled yet. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, firing every timer that falls due on the way, earliest first. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = [...this.timers].filter(([, t]) => t.due <= end).sort((a, b) => a[1].due - b[1].due || a[0] - b[0])[0];
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].due);
      next[1].fn();
    }
    this.time = end;
  }
}

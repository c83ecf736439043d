interface PendingTimer {
  id: number;
  dueAt: number;
  run: () => void;
}

/**
 * A clock that stands still until the test moves it, for code that takes its time (and timers) from an injected
 * clock: expiries, windows and deadlines end when the test says so, not after real waiting. `now` is a bound
 * function, so it can be passed alone where code wants `() => number`.
 */
export interface TestClock {
  now(): number;
  /** Moves the clock forward, running every timer that comes due on the way, each at its own due time, in order. */
  advance(ms: number): void;
  setTimeout(run: () => void, delayMs: number): number;
  clearTimeout(id: unknown): void;
  /** How many timers wait for the clock to reach them. */
  readonly pendingTimers: number;
}

export function testClock(start = Date.UTC(2100, 0, 1)): TestClock {
  let now = start;
  let nextId = 1;
  let timers: PendingTimer[] = [];
  const nextDue = (until: number) =>
    timers.reduce<PendingTimer | undefined>(
      (soonest, t) => (t.dueAt <= until && (!soonest || t.dueAt < soonest.dueAt) ? t : soonest),
      undefined,
    );
  return {
    now: () => now,
    advance(ms) {
      const until = now + ms;
      // Timers set by a timer that runs are seen too, if they come due before `until`; ties run in the order set.
      for (let due = nextDue(until); due; due = nextDue(until)) {
        timers = timers.filter((t) => t !== due);
        now = Math.max(now, due.dueAt);
        due.run();
      }
      now = until;
    },
    setTimeout(run, delayMs) {
      const id = nextId++;
      timers.push({ id, dueAt: now + Math.max(0, delayMs), run });
      return id;
    },
    clearTimeout(id) {
      timers = timers.filter((t) => t.id !== id);
    },
    get pendingTimers() {
      return timers.length;
    },
  };
}

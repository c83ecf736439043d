import { MinHeap } from './min-heap.ts';

interface Task {
  dueAt: number;
  /** Breaks ties so that tasks due at the same moment run in the order they were scheduled. */
  sequence: number;
  run: () => void;
}

/** Node's timers cannot wait longer than this; a task due later is simply re-armed for when it comes due. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Where the scheduler reads the time and sets its one timer: the system's, or a test's clock that it moves itself. */
export interface SchedulerClock {
  now(): number;
  setTimeout(run: () => void, delayMs: number): unknown;
  clearTimeout(timer: unknown): void;
}

const systemClock: SchedulerClock = {
  now: Date.now,
  setTimeout: (run, delayMs) => setTimeout(run, delayMs),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};

/**
 * Runs tasks at their due times with ONE timer for the whole process, however many are waiting: a simulator holding
 * thousands of delayed answers and callbacks must not create a timer per request. The timer is always armed for the
 * earliest task in a min-heap of due times.
 */
export class Scheduler {
  readonly #tasks = new MinHeap<Task>((a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.sequence < b.sequence));
  readonly #onError: (error: unknown) => void;
  readonly #clock: SchedulerClock;
  #timer: unknown;
  #armedFor = Infinity;
  #sequence = 0;
  #closed = false;

  constructor(onError: (error: unknown) => void, clock: SchedulerClock = systemClock) {
    this.#onError = onError;
    this.#clock = clock;
  }

  /** How many tasks are waiting. */
  get size(): number {
    return this.#tasks.size;
  }

  /** Runs `run` at `dueAt` (epoch milliseconds), or as soon as possible if that moment has passed. */
  at(dueAt: number, run: () => void): void {
    if (this.#closed) return;
    this.#tasks.push({ dueAt, sequence: this.#sequence++, run });
    if (dueAt < this.#armedFor) this.#arm();
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.#clock.now() + delayMs, run);
  }

  /** Drops every waiting task; nothing runs after this. */
  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#tasks.clear();
  }

  #arm(): void {
    this.#clock.clearTimeout(this.#timer);
    const next = this.#tasks.peek();
    if (!next) {
      this.#armedFor = Infinity;
      return;
    }
    this.#armedFor = next.dueAt;
    const delay = Math.min(Math.max(0, next.dueAt - this.#clock.now()), MAX_TIMER_DELAY_MS);
    this.#timer = this.#clock.setTimeout(() => this.#runDue(), delay);
  }

  #runDue(): void {
    const now = this.#clock.now();
    for (let next = this.#tasks.peek(); next && next.dueAt <= now && !this.#closed; next = this.#tasks.peek()) {
      this.#tasks.pop();
      try {
        next.run();
      } catch (error) {
        this.#onError(error);
      }
    }
    if (!this.#closed) this.#arm();
  }
}

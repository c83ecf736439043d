import { call } from './http.ts';
import type { ServiceName } from './stack.ts';

export interface Sample {
  at: number;
  ready: boolean;
}

/** When a service's /readyz was 200 for good after a moment: the first 200 after its last non-200 since then. */
export interface Recovery {
  name: ServiceName;
  /** Milliseconds after the moment until /readyz answered 200 for good; undefined when it never did. */
  afterMs?: number;
  /** Not ready at the last sample. */
  readyAtEnd: boolean;
}

/** Polls every process's GET /readyz (4 times a second) for the whole run; times are from the start of the load. */
export class ReadinessMonitor {
  readonly samples = new Map<ServiceName, Sample[]>();
  readonly #urls: Map<ServiceName, string>;
  readonly #elapsed: () => number;
  #timer?: NodeJS.Timeout;
  #inFlight?: Promise<unknown>;

  constructor(urls: Map<ServiceName, string>, elapsed: () => number) {
    this.#urls = urls;
    this.#elapsed = elapsed;
    for (const name of urls.keys()) this.samples.set(name, []);
  }

  async sampleOnce(): Promise<void> {
    await Promise.all(
      [...this.#urls].map(async ([name, url]) => {
        const at = this.#elapsed();
        const answer = await call('GET', `${url}/readyz`, { timeoutMs: 1_000 });
        this.samples.get(name)!.push({ at, ready: answer.status === 200 });
      }),
    );
  }

  start(intervalMs = 250): void {
    const tick = () => {
      this.#inFlight = this.sampleOnce().then(() => {
        if (this.#timer) this.#timer = setTimeout(tick, intervalMs);
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  recoveryAfter(moment: number): Recovery[] {
    return [...this.samples].map(([name, samples]) => {
      const since = samples.filter((sample) => sample.at >= moment);
      const readyAtEnd = since.at(-1)?.ready ?? false;
      const lastDown = since.findLastIndex((sample) => !sample.ready);
      if (lastDown === -1) return { name, afterMs: since.length > 0 ? 0 : undefined, readyAtEnd };
      const back = since[lastDown + 1];
      return { name, afterMs: back ? back.at - moment : undefined, readyAtEnd };
    });
  }

  /** How long after `moment` each of `names` first answered 200 (undefined: it never did); the slowest one. */
  readyAfter(moment: number, names: ServiceName[] = [...this.samples.keys()]): number | undefined {
    let slowest = 0;
    for (const name of names) {
      const back = this.samples.get(name)?.find((sample) => sample.at >= moment && sample.ready);
      if (!back) return undefined;
      slowest = Math.max(slowest, back.at - moment);
    }
    return slowest;
  }
}

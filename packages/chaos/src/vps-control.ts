import { setTimeout as sleep } from 'node:timers/promises';
import { VPS_FAULTS, VPS_TRAFFIC } from './environment.ts';
import { call } from './http.ts';

export type VpsStats = Record<string, number>;

/**
 * The VPS simulator's admin routes: the run's traffic and faults, and its counters. A restart wipes the counters, so
 * they are read just before each kill and added up.
 */
export class VpsControl {
  readonly #url: string;
  readonly #earlier: VpsStats = {};

  constructor(url: string) {
    this.#url = url;
  }

  /** PUT /admin/traffic and /admin/faults: `mixed` traffic with the reference run's faults. */
  async configure(): Promise<void> {
    const traffic = await call('PUT', `${this.#url}/admin/traffic`, { body: VPS_TRAFFIC });
    const faults = await call('PUT', `${this.#url}/admin/faults`, { body: VPS_FAULTS });
    if (traffic.status !== 200 || faults.status !== 200)
      throw new Error(`configuring the VPS failed (${traffic.status}, ${faults.status})`);
  }

  /** After a restart: waits for it to listen, then configures it. */
  async configureWhenUp(signal: AbortSignal): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if ((await call('GET', `${this.#url}/healthz`, { timeoutMs: 1_000 })).status === 200) return this.configure();
      await sleep(200, undefined, { signal });
    }
    throw new Error('the VPS did not come back within 30 s');
  }

  async setFaults(changes: Partial<Record<keyof typeof VPS_FAULTS, number>>): Promise<void> {
    const answer = await call('PUT', `${this.#url}/admin/faults`, { body: changes });
    if (answer.status !== 200) throw new Error(`PUT /admin/faults on the VPS answered ${answer.status || answer.error}`);
  }

  async #current(): Promise<VpsStats | undefined> {
    const answer = await call<VpsStats>('GET', `${this.#url}/admin/stats`);
    return answer.status === 200 ? answer.body : undefined;
  }

  /**
   * Whether the VPS still holds work that can hand the bank a code: calls not yet answered, callbacks owed, anything
   * scheduled (a callback's retry). No answer counts as busy.
   */
  async busy(): Promise<boolean> {
    const stats = await this.#current();
    return !stats || (stats.pending ?? 0) + (stats.inFlight ?? 0) + (stats.scheduledTasks ?? 0) > 0;
  }

  /** Adds the counters so far to the total, before a kill wipes them. */
  async snapshotStats(): Promise<void> {
    const stats = await this.#current();
    for (const [name, value] of Object.entries(stats ?? {})) {
      if (typeof value === 'number' && !['pending', 'inFlight', 'scheduledTasks'].includes(name)) {
        this.#earlier[name] = (this.#earlier[name] ?? 0) + value;
      }
    }
  }

  /** Every counter over the whole run (the current process's plus the killed ones'). */
  async totalStats(): Promise<VpsStats> {
    const total: VpsStats = { ...this.#earlier };
    for (const [name, value] of Object.entries((await this.#current()) ?? {})) {
      if (typeof value === 'number')
        total[name] = ['pending', 'inFlight', 'scheduledTasks'].includes(name) ? value : (total[name] ?? 0) + value;
    }
    return total;
  }
}

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess, stopAll, systemProcesses, waitUntilHealthy, type ProcessSpec, type Supervised } from '@voucher/launcher';

type Log = (line: string) => void;

export type ServiceName = 'vps' | 'sms' | 'voucher-service' | 'voucher-integration-service' | 'gateway';
export const serviceNames = systemProcesses.map((spec) => spec.name as ServiceName);

/** A process that exited although nobody killed it; the stack starts it again, as a process supervisor would. */
export interface Crash {
  name: ServiceName;
  at: number;
  code: number | null;
  signal: string | null;
  /** Its last log lines. */
  lastLines: string[];
}

interface Slot {
  spec: ProcessSpec;
  index: number;
  current?: Supervised;
  /** Killed on purpose: its exit is the fault, not a crash. */
  killed: boolean;
  /** Left down on purpose (a sabotaged run): never started again. */
  abandoned: boolean;
  lines: string[];
  log: WriteStream;
}

const LAST_LINES = 40;

/**
 * The five processes, each started with the launcher's startProcess on the run's own ports. Their output goes to one
 * log file per service in the run's directory (and to the terminal with `verbose`). A process that dies on its own is
 * recorded as a crash and started again after a second; one killed by a fault stays down until the fault restarts it.
 */
export class ServiceStack {
  readonly crashes: Crash[] = [];
  readonly logDir: string;
  readonly #slots = new Map<ServiceName, Slot>();
  readonly #env: NodeJS.ProcessEnv;
  readonly #verbose: boolean;
  readonly #log: Log;
  #stopping = false;

  constructor(env: NodeJS.ProcessEnv, dir: string, verbose: boolean, log: Log) {
    this.#env = env;
    this.#verbose = verbose;
    this.#log = log;
    this.logDir = join(dir, 'logs');
    mkdirSync(this.logDir, { recursive: true });
    for (const [index, spec] of systemProcesses.entries()) {
      const log = createWriteStream(join(this.logDir, `${spec.name}.log`), { flags: 'a' });
      this.#slots.set(spec.name as ServiceName, { spec, index, killed: false, abandoned: false, lines: [], log });
    }
  }

  url(name: ServiceName): string {
    const spec = this.#slot(name).spec;
    return `http://127.0.0.1:${this.#env[spec.portVariable]}`;
  }

  /** Starts every process in the launcher's order, each once its predecessor answers /healthz. */
  async startAll(): Promise<void> {
    for (const name of serviceNames) {
      this.start(name);
      await waitUntilHealthy(`${this.url(name)}/healthz`, 90_000);
    }
  }

  /** Starts one process (again); does not wait for it. */
  start(name: ServiceName): void {
    const slot = this.#slot(name);
    if (this.#stopping || slot.abandoned) return;
    slot.killed = false;
    const supervised = startProcess(name, [slot.spec.entry], this.#env, slot.index);
    slot.current = supervised;
    const { stdout, stderr } = supervised.child;
    for (const stream of [stdout!, stderr!]) {
      // startProcess prefixes every line onto the terminal; unless verbose, the lines go to the service's file only.
      if (!this.#verbose) for (const listener of stream.listeners('data')) stream.off('data', listener as (chunk: unknown) => void);
      stream.on('data', (chunk: Buffer) => {
        slot.log.write(chunk);
        slot.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        if (slot.lines.length > LAST_LINES) slot.lines.splice(0, slot.lines.length - LAST_LINES);
      });
    }
    void supervised.exited.then((code) => {
      if (this.#stopping || slot.current !== supervised || slot.killed) return;
      const crash = { name, at: Date.now(), code, signal: supervised.child.signalCode, lastLines: [...slot.lines] };
      this.crashes.push(crash);
      this.#log(`${name} exited on its own (code ${code}, signal ${crash.signal}); starting it again in 1 s`);
      void sleep(1_000).then(() => {
        if (slot.current === supervised && !slot.killed) this.start(name);
      });
    });
  }

  /** SIGKILL: a crash without any clean-up; resolves once the process is gone. */
  async kill(name: ServiceName, { forever = false } = {}): Promise<void> {
    const slot = this.#slot(name);
    slot.killed = true;
    slot.abandoned ||= forever;
    const current = slot.current;
    if (!current || current.child.exitCode !== null || current.child.signalCode !== null) return;
    current.child.kill('SIGKILL');
    await current.exited;
  }

  isRunning(name: ServiceName): boolean {
    const current = this.#slot(name).current;
    return !!current && current.child.exitCode === null && current.child.signalCode === null;
  }

  /** Stops every process (SIGTERM, SIGKILL after 10 s) and closes the log files. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const running = serviceNames.map((name) => this.#slot(name).current).filter((p): p is Supervised => p !== undefined);
    await stopAll(running, 10_000);
    await Promise.all([...this.#slots.values()].map((slot) => new Promise<void>((resolve) => slot.log.end(() => resolve()))));
  }

  #slot(name: ServiceName): Slot {
    const slot = this.#slots.get(name);
    if (!slot) throw new Error(`no process named ${name}`);
    return slot;
  }
}

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess, stopAll, systemProcesses, waitUntilHealthy, type ProcessSpec, type Supervised } from '@voucher/launcher';

type Log = (line: string) => void;

export type ServiceName = 'vps' | 'sms' | 'voucher-service' | 'voucher-integration-service' | 'gateway';
export const serviceNames = systemProcesses.map((spec) => spec.name as ServiceName);
/** The bank's own services: these run as replicas (the simulators stand for one provider each and run once). */
export const bankServices: ServiceName[] = ['voucher-service', 'voucher-integration-service', 'gateway'];

/** A process that exited although nobody killed it; the stack starts it again, as a process supervisor would. */
export interface Crash {
  name: ServiceName;
  /** Which of its processes (1 to the number of replicas). */
  replica: number;
  at: number;
  code: number | null;
  signal: string | null;
  /** Its last log lines. */
  lastLines: string[];
}

interface Slot {
  spec: ProcessSpec;
  index: number;
  replica: number;
  /** `gateway` for the first replica, `gateway-2` for the second: its log file's name and its label in the report. */
  label: string;
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
 * The five processes, each started with the launcher's startProcess on the run's own ports, and with `replicas` > 1 that
 * many processes of each bank service, sharing its port. Their output goes to one log file per process in the run's
 * directory (and to the terminal with `verbose`). A process that dies on its own is recorded as a crash and started
 * again after a second; one killed by a fault stays down until the fault restarts it.
 */
export class ServiceStack {
  readonly crashes: Crash[] = [];
  readonly logDir: string;
  readonly #slots = new Map<string, Slot>();
  readonly #env: NodeJS.ProcessEnv;
  readonly #verbose: boolean;
  readonly #log: Log;
  #stopping = false;

  constructor(env: NodeJS.ProcessEnv, dir: string, verbose: boolean, log: Log, replicas = 1) {
    this.#env = env;
    this.#verbose = verbose;
    this.#log = log;
    this.logDir = join(dir, 'logs');
    mkdirSync(this.logDir, { recursive: true });
    for (const [index, spec] of systemProcesses.entries()) {
      const count = bankServices.includes(spec.name as ServiceName) ? replicas : 1;
      for (let replica = 1; replica <= count; replica++) {
        const label = replica === 1 ? spec.name : `${spec.name}-${replica}`;
        const log = createWriteStream(join(this.logDir, `${label}.log`), { flags: 'a' });
        this.#slots.set(label, { spec, index, replica, label, killed: false, abandoned: false, lines: [], log });
      }
    }
  }

  /** Every process's label (`gateway`, `gateway-2`, ...), in start order: the names of their log files. */
  get labels(): string[] {
    return [...this.#slots.keys()];
  }

  /** How many processes of `name` run. */
  replicas(name: ServiceName): number {
    return [...this.#slots.values()].filter((slot) => slot.spec.name === name).length;
  }

  /** The service's public address, which all its replicas share. */
  url(name: ServiceName): string {
    const spec = this.#slot(name).spec;
    return `http://127.0.0.1:${this.#env[spec.portVariable]}`;
  }

  /** Starts every process in the launcher's order, each service once its predecessor answers /healthz. */
  async startAll(): Promise<void> {
    for (const name of serviceNames) {
      for (let replica = 1; replica <= this.replicas(name); replica++) this.start(name, replica);
      await waitUntilHealthy(`${this.url(name)}/healthz`, 90_000);
    }
  }

  /** Starts one process (again); does not wait for it. */
  start(name: ServiceName, replica = 1): void {
    const slot = this.#slot(name, replica);
    if (this.#stopping || slot.abandoned) return;
    slot.killed = false;
    const supervised = startProcess(slot.label, [slot.spec.entry], this.#env, slot.index);
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
      const crash = { name, replica, at: Date.now(), code, signal: supervised.child.signalCode, lastLines: [...slot.lines] };
      this.crashes.push(crash);
      this.#log(`${slot.label} exited on its own (code ${code}, signal ${crash.signal}); starting it again in 1 s`);
      void sleep(1_000).then(() => {
        if (slot.current === supervised && !slot.killed) this.start(name, replica);
      });
    });
  }

  /** SIGKILL: a crash without any clean-up; resolves once the process is gone. */
  async kill(name: ServiceName, { replica = 1, forever = false } = {}): Promise<void> {
    const slot = this.#slot(name, replica);
    slot.killed = true;
    slot.abandoned ||= forever;
    const current = slot.current;
    if (!current || current.child.exitCode !== null || current.child.signalCode !== null) return;
    current.child.kill('SIGKILL');
    await current.exited;
  }

  isRunning(name: ServiceName, replica = 1): boolean {
    const current = this.#slot(name, replica).current;
    return !!current && current.child.exitCode === null && current.child.signalCode === null;
  }

  /** Stops every process (SIGTERM, SIGKILL after 10 s) and closes the log files. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const running = [...this.#slots.values()].map((slot) => slot.current).filter((p): p is Supervised => p !== undefined);
    await stopAll(running, 10_000);
    await Promise.all([...this.#slots.values()].map((slot) => new Promise<void>((resolve) => slot.log.end(() => resolve()))));
  }

  #slot(name: ServiceName, replica = 1): Slot {
    const slot = this.#slots.get(replica === 1 ? name : `${name}-${replica}`);
    if (!slot) throw new Error(`no process ${name} #${replica}`);
    return slot;
  }
}

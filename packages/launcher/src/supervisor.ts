import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const colours = [36, 33, 35, 32, 34, 31];

export interface Supervised {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Prefixes every line a child prints with its name, so the interleaved logs of many processes stay readable. */
function pipeWithPrefix(stream: NodeJS.ReadableStream, prefix: string, out: NodeJS.WritableStream): void {
  createInterface({ input: stream }).on('line', (line) => out.write(`${prefix} ${line}\n`));
}

/** Starts one Node process (the project's Node 24, the one running this file) with its output prefixed. */
export function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv, index = 0): Supervised {
  // A process group of its own: a terminal's Ctrl-C reaches only the launcher, which stops the children in order.
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = process.stdout.isTTY ? `\x1b[${colours[index % colours.length]}m[${name}]\x1b[0m` : `[${name}]`;
  pipeWithPrefix(child.stdout!, prefix, process.stdout);
  pipeWithPrefix(child.stderr!, prefix, process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, exited };
}

export interface RestartPolicy {
  /** Whether an exit now is to be restarted: not while the run starts up (a bad setting stops it at once), nor while it stops. */
  restarts(): boolean;
  /** True once the run is stopping: an exit is then expected. */
  stopping(): boolean;
  /** An exit that is not restarted, or a crash loop: the run stops. */
  fatal(reason: string): void;
  log(line: string): void;
}

/** A process that lived this long was healthy: its next death starts the backoff again. */
const STABLE_MS = 60_000;
const RESTART_DELAY_MS = { first: 1_000, max: 30_000 };
/** Quick deaths in a row that make a crash loop (a taken port, a database that refuses us): the run stops. */
const CRASH_LOOP = 5;

/**
 * Starts a process and, as a bank's orchestrator does with a dead replica, starts it again whenever it exits while
 * the run goes on: after 1 s, doubling up to 30 s while it keeps dying within a minute of its start; five such quick
 * deaths in a row are a crash loop, and the run stops. The Supervised returned always names the running child, so
 * stopAll stops whichever one that is.
 */
export function startRestarting(name: string, args: string[], env: NodeJS.ProcessEnv, index: number, policy: RestartPolicy): Supervised {
  const supervised = startProcess(name, args, env, index);
  let quickDeaths = 0;
  const watch = (startedAt: number) =>
    void supervised.exited.then(async (code) => {
      if (policy.stopping()) return;
      const how = code === null ? 'was killed' : `exited (code ${code})`;
      if (!policy.restarts()) return policy.fatal(`${name} ${how}`);
      quickDeaths = Date.now() - startedAt < STABLE_MS ? quickDeaths + 1 : 1;
      if (quickDeaths >= CRASH_LOOP) return policy.fatal(`${name} died ${quickDeaths} times in a row soon after starting`);
      const delay = Math.min(RESTART_DELAY_MS.first * 2 ** (quickDeaths - 1), RESTART_DELAY_MS.max);
      policy.log(`${name} ${how}; starting it again in ${delay / 1000} s`);
      await sleep(delay);
      if (policy.stopping()) return;
      Object.assign(supervised, startProcess(name, args, env, index));
      watch(Date.now());
    });
  watch(Date.now());
  return supervised;
}

/**
 * Stops processes one at a time in reverse start order, so each drains while what it depends on is still up (the
 * gateway before the SMS gateway it sends through): SIGTERM, then SIGKILL after the grace period.
 */
export async function stopAll(processes: Supervised[], graceMs = 15_000): Promise<void> {
  for (const p of [...processes].reverse()) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
    p.child.kill('SIGTERM');
    const exited = await Promise.race([p.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!exited) p.child.kill('SIGKILL');
  }
}

/** Polls `url` until it answers 2xx. */
export async function waitUntilHealthy(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs} ms`);
}

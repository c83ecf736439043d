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

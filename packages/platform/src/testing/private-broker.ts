import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, stopBroker } from '@voucher/local-kafka';

export interface PrivateBroker {
  /** Bootstrap list for clients: `['127.0.0.1:<port>']`. */
  brokers: string[];
  port: number;
  /** The state directory (configuration, data, logs). */
  home: string;
  /** SIGKILL: a crash, with no clean shutdown. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts the broker again (stopping it first if it runs) on the same port and data; resolves once it accepts clients. */
  restart(): Promise<void>;
  /** Stops the broker (if running) and deletes its state directory. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A Kafka broker of the test's own, on free ports and in a temporary directory, for tests that crash and restart a
 * broker. The shared broker at KAFKA_BROKERS is never touched. Call stop() when done (an `after` hook).
 */
export async function startPrivateBroker(options: { log?: (line: string) => void } = {}): Promise<PrivateBroker> {
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'private-kafka-'));
  const log = options.log ?? (() => {});
  const layout = { port, controllerPort, home, log };
  try {
    await startBroker({ ...layout, timeoutMs: 120_000 });
  } catch (error) {
    await stopBroker({ ...layout, graceMs: 0 }).catch(() => {});
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
  return {
    brokers: [`127.0.0.1:${port}`],
    port,
    home,
    kill: () => stopBroker({ ...layout, graceMs: 0 }),
    async restart() {
      await stopBroker({ ...layout, graceMs: 10_000 }); // nothing to do after kill(); a running broker stops cleanly
      // False means something else answers on the port (another process took it while the broker was down).
      if (!(await startBroker({ ...layout, timeoutMs: 120_000 })))
        throw new Error(`port ${port} is taken: the private broker cannot restart`);
    },
    async stop() {
      await stopBroker({ ...layout, graceMs: 10_000 });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

import { createServer } from 'node:net';
import { randomInt } from 'node:crypto';

/**
 * A free port below Linux's ephemeral range (32768-60999). A server on an ephemeral port can lose it while it is down:
 * a client retrying a connection to it may be given that very port as its own source port and connect to itself, and
 * the restarted server then fails with "address already in use". The run's broker, database server and processes are
 * restarted while clients hammer them, so they listen on ports no client is ever given. 8080-8084 are never used.
 */
export async function stablePort(taken: Set<number>): Promise<number> {
  return (await stablePorts(taken, 1))[0]!;
}

/** `count` consecutive free ports, as stablePort picks them (a Kafka cluster's nodes sit on consecutive ports). */
export async function stablePorts(taken: Set<number>, count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = randomInt(20_000, 32_000 - count);
    const ports = Array.from({ length: count }, (_, index) => first + index);
    if (ports.some((port) => taken.has(port) || (port >= 8080 && port <= 8084))) continue;
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) {
      for (const port of ports) taken.add(port);
      return ports;
    }
  }
  throw new Error(`no ${count} free consecutive ports between 20000 and 32000`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

import { parseArgs } from 'node:util';
import { MissingToolError, startBroker, startCluster, stopBroker, stopCluster } from './index.ts';

/**
 * `cli.ts start|stop [--brokers N] [--port N] [--controller-port N] [--home DIR]`.
 * One broker (the default, or LOCAL_KAFKA_BROKERS): LOCAL_KAFKA_PORT, LOCAL_KAFKA_CONTROLLER_PORT and LOCAL_KAFKA_HOME,
 * else 9092, 9093 and the cache directory. `--brokers 3`: a KRaft cluster of three nodes on 9092/9093, 9094/9095 and
 * 9096/9097 (from --port on) under `<cache>/cluster` (or --home). `stop` without flags stops the single broker and every
 * node of the default cluster.
 */
const log = (line: string) => console.log(`[kafka] ${line}`);
const usage = 'usage: cli.ts start|stop [--brokers N] [--port N] [--controller-port N] [--home DIR]';

function number(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer from 1 to ${max}, got '${raw}'`);
  return value;
}

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      brokers: { type: 'string' },
      port: { type: 'string' },
      'controller-port': { type: 'string' },
      home: { type: 'string' },
    },
  });
  return {
    brokers: number('--brokers', values.brokers, 9),
    port: number('--port', values.port, 65_535),
    controllerPort: number('--controller-port', values['controller-port'], 65_535),
    home: values.home,
  };
}

try {
  const [command, ...rest] = process.argv.slice(2);
  const { brokers: given, port, controllerPort, home } = parse(rest);
  const brokers = given ?? number('LOCAL_KAFKA_BROKERS', process.env.LOCAL_KAFKA_BROKERS, 9) ?? 1;
  if (controllerPort !== undefined && brokers > 1)
    throw new Error('--controller-port is for one broker; a cluster puts node n on --port + 2(n - 1) and one above');
  if (command === 'start') {
    if (brokers === 1) await startBroker({ port, controllerPort, home, log });
    else await startCluster({ brokers, port, home, log });
  } else if (command === 'stop') {
    // Without --brokers: whatever runs there, the default cluster's nodes and the single broker alike.
    const nodes = given === 1 ? 0 : await stopCluster({ brokers: given, port, home, log });
    if (given === 1 || (given === undefined && (home === undefined || nodes === 0))) await stopBroker({ port, controllerPort, home, log });
  } else throw new Error(`${usage} (got '${command ?? ''}')`);
} catch (error) {
  console.error(`[kafka] ${error instanceof MissingToolError ? error.message : (error as Error).stack}`);
  process.exitCode = 1;
}

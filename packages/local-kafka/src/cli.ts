import { parseArgs } from 'node:util';
import { MissingToolError, startBroker, stopBroker, type BrokerLayoutOptions } from './index.ts';

/**
 * `cli.ts start|stop [--port N] [--controller-port N] [--home DIR]`; without flags, LOCAL_KAFKA_PORT,
 * LOCAL_KAFKA_CONTROLLER_PORT and LOCAL_KAFKA_HOME, else 9092, 9093 and the cache directory.
 */
const log = (line: string) => console.log(`[kafka] ${line}`);

function layoutFromFlags(args: string[]): BrokerLayoutOptions {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, 'controller-port': { type: 'string' }, home: { type: 'string' } },
  });
  const port = (name: string, raw: string | undefined) => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new Error(`--${name} must be a TCP port, got '${raw}'`);
    return value;
  };
  return { port: port('port', values.port), controllerPort: port('controller-port', values['controller-port']), home: values.home };
}

try {
  const [command, ...rest] = process.argv.slice(2);
  const layout = layoutFromFlags(rest);
  if (command === 'start') await startBroker({ ...layout, log });
  else if (command === 'stop') await stopBroker({ ...layout, log });
  else throw new Error(`usage: cli.ts start|stop [--port N] [--controller-port N] [--home DIR] (got '${command ?? ''}')`);
} catch (error) {
  console.error(`[kafka] ${error instanceof MissingToolError ? error.message : (error as Error).stack}`);
  process.exitCode = 1;
}

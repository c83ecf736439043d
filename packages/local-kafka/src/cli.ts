import { MissingToolError, startBroker, stopBroker } from './index.ts';

const log = (line: string) => console.log(`[kafka] ${line}`);
const command = process.argv[2];

try {
  if (command === 'start') await startBroker(log);
  else if (command === 'stop') await stopBroker(log);
  else throw new Error(`usage: cli.ts start|stop (got '${command ?? ''}')`);
} catch (error) {
  console.error(`[kafka] ${error instanceof MissingToolError ? error.message : (error as Error).stack}`);
  process.exitCode = 1;
}

import { writeConfiguration } from './configuration.ts';
import { brokerLayout, type BrokerLayoutOptions } from './layout.ts';
import { acceptsClients, formatStorage, launchNode, newClusterId, SINGLE_NODE_HEAP, stopNode, waitUntilReady, type Log } from './node.ts';
import { provisionJars } from './provision.ts';

export interface StartBrokerOptions extends BrokerLayoutOptions {
  log?: Log;
  /** How long to wait for the broker to accept clients. */
  timeoutMs?: number;
}

export interface StopBrokerOptions extends BrokerLayoutOptions {
  log?: Log;
  /** How long SIGTERM may take before SIGKILL; 0 kills at once (a crash, for tests). */
  graceMs?: number;
}

/** The default broker's address (127.0.0.1:9092 unless LOCAL_KAFKA_PORT says otherwise). */
export const bootstrapAddress = brokerLayout().bootstrapAddress;

/** A log function, or options (port, controller port, state directory, log, timeout). */
const startOptions = (options: Log | StartBrokerOptions, timeoutMs?: number): StartBrokerOptions =>
  typeof options === 'function' ? { log: options, timeoutMs } : { ...options, timeoutMs: options.timeoutMs ?? timeoutMs };

/**
 * Starts the broker unless one already accepts clients on its port (127.0.0.1:9092 by default); resolves once it does.
 * Returns true if it started one. A broker started again on the same state directory keeps its data (topics, records,
 * committed offsets).
 */
export async function startBroker(options: Log | StartBrokerOptions = {}, timeoutMs?: number): Promise<boolean> {
  const settings = startOptions(options, timeoutMs);
  const log = settings.log ?? console.log;
  const wait = settings.timeoutMs ?? 120_000;
  const layout = brokerLayout(settings);
  if (await acceptsClients(layout)) {
    log(`a Kafka broker already accepts clients on ${layout.bootstrapAddress}; leaving it alone`);
    return false;
  }
  provisionJars(log);
  writeConfiguration(layout);
  await formatStorage(layout, newClusterId(), log);
  const pid = launchNode(layout, SINGLE_NODE_HEAP);
  log(`starting Kafka broker (pid ${pid}) on ${layout.bootstrapAddress}`);
  await waitUntilReady(layout, pid, wait);
  log(`Kafka broker ready on ${layout.bootstrapAddress}`);
  return true;
}

/** Stops the broker this package started in that state directory (SIGTERM, then SIGKILL after a grace period). */
export async function stopBroker(options: Log | StopBrokerOptions = {}, graceMs?: number): Promise<void> {
  const settings: StopBrokerOptions =
    typeof options === 'function' ? { log: options, graceMs } : { ...options, graceMs: options.graceMs ?? graceMs };
  const log = settings.log ?? console.log;
  const grace = settings.graceMs ?? 30_000;
  const pid = await stopNode(brokerLayout(settings), grace);
  log(pid === undefined ? 'no local Kafka broker is running' : `Kafka broker (pid ${pid}) stopped`);
}

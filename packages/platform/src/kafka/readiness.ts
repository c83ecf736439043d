import type { ConsumerHealth, RunningConsumer } from './consumer-types.ts';

export interface ConsumerReadinessOptions {
  /** Records waiting and no message finished for this long (since the consumer last started running) is a stall. */
  stallMs?: number;
  now?: () => number;
}

/**
 * Why a consumer cannot be called ready, or undefined when it can: it is not running (reconnecting, closed), or
 * records are waiting for it and it has finished none for `stallMs` since it last started running.
 */
export function consumerNotReadyReason(health: ConsumerHealth, options: ConsumerReadinessOptions = {}): string | undefined {
  const now = (options.now ?? Date.now)();
  const stallMs = options.stallMs ?? 60_000;
  const name = `the ${health.topic} consumer (group ${health.groupId})`;
  if (health.state !== 'running') {
    const why = health.lastError ? `: ${health.lastError}` : '';
    return `${name} is ${health.state} since ${new Date(health.since).toISOString()}${why}`;
  }
  const progressClock = Math.max(health.lastProgressAt ?? 0, health.since);
  if (health.waiting > 0 && now - progressClock >= stallMs) {
    return `${name} has ${health.waiting} records waiting and finished none for ${Math.round((now - progressClock) / 1000)} s`;
  }
  return undefined;
}

/**
 * A readiness check for the HTTP server's /readyz (`http.addReadinessCheck('kafka', consumerReadiness(consumer))`):
 * throws while the consumer is not running or is stalled (see consumerNotReadyReason). `source` may be a function for
 * a consumer started in the background (undefined until it has started: not ready).
 */
export function consumerReadiness(
  source: RunningConsumer | (() => RunningConsumer | undefined),
  options: ConsumerReadinessOptions = {},
): () => void {
  return () => {
    const consumer = typeof source === 'function' ? source() : source;
    if (!consumer) throw new Error('the consumer has not started yet (is Kafka reachable?)');
    const reason = consumerNotReadyReason(consumer.health(), options);
    if (reason) throw new Error(reason);
  };
}

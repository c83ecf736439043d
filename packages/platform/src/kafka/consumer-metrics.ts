import { Counter, Gauge, type Registry } from 'prom-client';
import type { Metrics } from '../http/metrics.ts';

/** The consumers' Prometheus series, one set per registry however many consumers the process runs. */
export interface ConsumerMetrics {
  restarts: Counter<'group' | 'topic'>;
  lag: Gauge<'group' | 'topic' | 'partition'>;
  up: Gauge<'group' | 'topic'>;
  deadLetters: Counter<'group' | 'topic'>;
}

const byRegistry = new WeakMap<Registry, ConsumerMetrics>();

export function consumerMetrics(metrics: Metrics): ConsumerMetrics {
  const registry = metrics.registry;
  let created = byRegistry.get(registry);
  if (!created) {
    created = {
      restarts: new Counter({
        name: 'kafka_consumer_restarts_total',
        help: 'Times a consumer lost its broker connection or group and reconnected',
        labelNames: ['group', 'topic'],
        registers: [registry],
      }),
      lag: new Gauge({
        name: 'kafka_consumer_lag',
        help: 'Records not yet committed by the group (high watermark minus committed offset), per assigned partition',
        labelNames: ['group', 'topic', 'partition'],
        registers: [registry],
      }),
      up: new Gauge({
        name: 'kafka_consumer_up',
        help: '1 while a consumer is a member of its group and fetching, 0 while it reconnects',
        labelNames: ['group', 'topic'],
        registers: [registry],
      }),
      deadLetters: new Counter({
        name: 'kafka_consumer_dead_letters_total',
        help: "Records of the topic the group sent to the topic's dead-letter twin (<topic>.dlq): undecodable or refused for good",
        labelNames: ['group', 'topic'],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, created);
  }
  return created;
}

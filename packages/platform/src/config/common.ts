import { setting } from './env.ts';

/** Settings every process of the spec shares; each service spreads these into its own spec. */
export const kafkaSettings = {
  KAFKA_BROKERS: setting.list(['127.0.0.1:9092']),
  KAFKA_TOPIC_PARTITIONS: setting.integer(6, { min: 1, max: 1000 }),
  KAFKA_REPLICATION_FACTOR: setting.integer(1, { min: 1, max: 10 }),
  /** Prefix for topic and consumer-group names, so tests (or tenants) can share one cluster without crosstalk. */
  KAFKA_NAMESPACE: setting.string(''),
};

export const databaseSettings = {
  DATABASE_URL: setting.optionalString(),
  DATA_DIR: setting.string('./data'),
};

export const logSettings = {
  LOG_LEVEL: setting.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
};

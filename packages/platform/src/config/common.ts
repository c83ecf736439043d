import { setting } from './env.ts';

export const KAFKA_SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * How every Kafka client authenticates: SASL (unset: none) and TLS. The platform's clients read these for themselves
 * (kafka/connection.ts), and every service's spec includes them, so a bad value stops start-up with its name.
 */
export function kafkaSecuritySettings() {
  return {
    /** `scram-sha-256`, `scram-sha-512` or `plain` (any case); unset, the clients do not authenticate. */
    KAFKA_SASL_MECHANISM: (raw: string | undefined): KafkaSaslMechanism | undefined =>
      raw?.trim() ? setting.oneOf(KAFKA_SASL_MECHANISMS)(raw.trim().toLowerCase()) : undefined,
    KAFKA_SASL_USERNAME: setting.optionalString(),
    KAFKA_SASL_PASSWORD: setting.optionalString(),
    /** TLS to the brokers, checked against the system's CAs (NODE_EXTRA_CA_CERTS adds a private one). */
    KAFKA_TLS: setting.boolean(false),
  };
}

/** Settings every process of the spec shares; each service spreads these into its own spec. */
export const kafkaSettings = {
  KAFKA_BROKERS: setting.list(['127.0.0.1:9092']),
  KAFKA_TOPIC_PARTITIONS: setting.integer(6, { min: 1, max: 1000 }),
  /** Copies of each topic the services create; unset, three from three brokers up, else one per broker (kafka/topics.ts). */
  KAFKA_REPLICATION_FACTOR: (raw: string | undefined): number | undefined =>
    raw?.trim() ? setting.integer(undefined, { min: 1, max: 10 })(raw) : undefined,
  /** Prefix for topic and consumer-group names, so tests (or tenants) can share one cluster without crosstalk. */
  KAFKA_NAMESPACE: setting.string(''),
  ...kafkaSecuritySettings(),
};

export const databaseSettings = {
  /** `npm start` and `npm test` set it to the project's local server when it is unset; a service run alone needs it. */
  DATABASE_URL: (raw: string | undefined) => {
    if (!raw?.trim()) throw new Error('is required: a PostgreSQL URL (`npm run db:start` starts the local server and prints it)');
    return setting.url()(raw);
  },
  /** The schema the service works in; unset, the service's own name (gateway, voucher_service, ...). Tests isolate with it. */
  DATABASE_SCHEMA: (raw: string | undefined) => {
    if (raw?.trim() && !/^[a-z_][a-z0-9_]{0,62}$/.test(raw.trim())) throw new Error(`must be a lower-case SQL name, got '${raw}'`);
    return raw?.trim() || undefined;
  },
};

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const logSettings = {
  LOG_LEVEL: setting.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  /** `json` lines for machines, or `pretty` ones for people; pretty by default only when standard output is a terminal. */
  LOG_FORMAT: setting.oneOf<LogFormat>(LOG_FORMATS, process.stdout.isTTY ? 'pretty' : 'json'),
};

/**
 * The operations port of every HTTP process (/metrics and the detailed /readyz), apart from the public one. Unset, it
 * is the process's own port + 1000 (9080 for the gateway on 8080; 0 when the process's port is 0); `0` picks a free one.
 */
export const adminSettings = {
  ADMIN_PORT: (raw: string | undefined): number | undefined => (raw?.trim() ? setting.integer(undefined, { max: 65535 })(raw) : undefined),
  /** Loopback by default: the operations routes are for the machine's own scraper and probes, not for the network. */
  ADMIN_HOST: setting.string('127.0.0.1'),
};

/**
 * How the public port is bound. LISTEN_REUSE_PORT=true lets several processes of one service listen on one port
 * (SO_REUSEPORT: the kernel spreads new connections over them), as `npm start -- --replicas N` runs them. Off by
 * default, so that a stale process still holding the port makes a new one fail loudly instead of sharing with it.
 * The operations port is never shared (each replica is scraped on its own): replicas get distinct ADMIN_PORTs.
 */
export const listenSettings = {
  LISTEN_REUSE_PORT: setting.boolean(false),
};

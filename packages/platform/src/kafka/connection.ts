import { ConfigError, loadConfig } from '../config/env.ts';
import { kafkaSecuritySettings, type KafkaSaslMechanism } from '../config/common.ts';

export type { KafkaSaslMechanism };

/** How a client proves who it is to the brokers, and whether it talks TLS to them. */
export interface KafkaSecurity {
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
  tls?: boolean;
}

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /**
   * SASL and TLS for every client made for this connection. Unset, they come from the process's environment
   * (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_TLS): that is how a service's connection
   * gets them without naming them.
   */
  security?: KafkaSecurity;
}

type SecuritySettings = ReturnType<typeof loadConfig<ReturnType<typeof kafkaSecuritySettings>>>;

/** The security the settings describe; a mechanism without both credentials (or the reverse) is a ConfigError. */
export function kafkaSecurity(settings: SecuritySettings): KafkaSecurity {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = settings;
  if (mechanism && (!username || !password)) {
    throw new ConfigError([`KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM=${mechanism}`]);
  }
  if (!mechanism && (username || password)) {
    throw new ConfigError(['KAFKA_SASL_MECHANISM (scram-sha-256, scram-sha-512 or plain) is required with KAFKA_SASL_USERNAME']);
  }
  return { ...(mechanism ? { sasl: { mechanism, username: username!, password: password! } } : {}), tls: settings.KAFKA_TLS };
}

/** The security the environment describes (the KAFKA_SASL_* and KAFKA_TLS variables). */
export function kafkaSecurityFromEnvironment(source: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  return kafkaSecurity(loadConfig(kafkaSecuritySettings(), source));
}

const MECHANISM_NAMES = { 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512', plain: 'PLAIN' } as const;

/**
 * The options every client the platform creates (producers, consumers, admins) starts from: its client id, the
 * bootstrap brokers, and SASL and TLS when the connection (or else the environment) asks for them. With TLS the broker's
 * host name is sent for SNI (managed clusters route by it) and the certificate is checked against it.
 */
export function clientOptions(connection: KafkaConnection, role: string) {
  const security = connection.security ?? kafkaSecurityFromEnvironment();
  const sasl = security.sasl;
  return {
    clientId: `${connection.clientId}-${role}`,
    bootstrapBrokers: connection.brokers,
    ...(sasl ? { sasl: { mechanism: MECHANISM_NAMES[sasl.mechanism], username: sasl.username, password: sasl.password } } : {}),
    ...(security.tls ? { tls: {}, tlsServerName: true } : {}),
  };
}

import { Admin } from '@platformatic/kafka';

/** The shared broker the tests use (KAFKA_BROKERS, else the project's local one). */
export const testBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** Fails at once, saying how to start one, when no broker answers at testBrokers (for a file's `before`). */
export async function expectTestBroker(): Promise<void> {
  const admin = new Admin({ clientId: 'probe', bootstrapBrokers: testBrokers });
  try {
    await admin.listTopics();
  } catch (error) {
    throw new Error(`no Kafka broker at ${testBrokers.join(',')}: run 'npm run kafka:start' or set KAFKA_BROKERS`, { cause: error });
  } finally {
    await admin.close();
  }
}

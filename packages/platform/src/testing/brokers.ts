/** The shared broker the tests use (KAFKA_BROKERS, else the project's local one). */
export const testBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

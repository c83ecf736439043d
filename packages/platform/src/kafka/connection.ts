export interface KafkaConnection {
  brokers: string[];
  clientId: string;
}

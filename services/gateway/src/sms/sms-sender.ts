/**
 * Sends one text message. The idempotency key makes a retried send (after a crash or a lost answer) reach the
 * customer once. The SMS simulator's HTTP API is one adapter; a real provider is another.
 */
export interface SmsSender {
  send(to: string, text: string, idempotencyKey: string): Promise<void>;
  close(): Promise<void>;
}

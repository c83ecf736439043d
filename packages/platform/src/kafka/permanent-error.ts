import { AppError } from '../errors/app-error.ts';

/**
 * The Kafka wrapper's own "this message can never succeed": thrown by a handler, it dead-letters the message at once.
 * A package's own non-retryable errors (its `errors.ts`) do the same; this one is for handlers without such a table.
 */
export class PermanentError extends AppError {
  static readonly code = 'KAFKA_MESSAGE_REJECTED';

  constructor(message: string, options?: ErrorOptions) {
    super(PermanentError.code, message, { retryable: false }, options);
  }
}

export { createLogger, type Logger } from './logger.ts';
export { maskPhoneNumber } from './redaction.ts';

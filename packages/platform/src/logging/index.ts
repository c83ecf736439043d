export { createLogger, type Logger } from './logger.ts';
export { maskPhoneNumber } from './redaction.ts';
export { repeatedFailureLevel } from './repeated-failure.ts';

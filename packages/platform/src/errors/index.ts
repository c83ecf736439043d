export { AppError, defineErrors, hasCode, isRetryable, type AppErrorOptions, type ErrorFactory, type ErrorKind } from './app-error.ts';

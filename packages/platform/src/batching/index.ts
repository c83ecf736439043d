export { Batcher, type BatcherOptions } from './batcher.ts';
export { ConcurrencyLimit } from './concurrency-limit.ts';
export { PerKeyQueue } from './per-key-queue.ts';

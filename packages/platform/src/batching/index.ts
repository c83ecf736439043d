export { Batcher, type BatcherOptions } from './batcher.ts';

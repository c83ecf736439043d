import type { ServerResponse } from 'node:http';
import { isOpen, writeComment } from './sse.ts';

/**
 * The pages waiting on this replica, by request id. Per-stream state is just the response object (a customer may
 * have two tabs open on one request), so tens of thousands of streams fit in little memory; one timer keeps them
 * all alive through proxies.
 */
export class StreamRegistry {
  readonly #streams = new Map<string, Set<ServerResponse>>();
  readonly #onSizeChange: (size: number) => void;
  #size = 0;
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(keepAliveMs: number, onSizeChange: (size: number) => void = () => {}) {
    this.#onSizeChange = onSizeChange;
    this.#keepAlive = setInterval(() => this.#sendKeepAlive(), keepAliveMs);
    this.#keepAlive.unref();
  }

  get size(): number {
    return this.#size;
  }

  add(requestId: string, stream: ServerResponse): void {
    let streams = this.#streams.get(requestId);
    if (!streams) this.#streams.set(requestId, (streams = new Set()));
    if (streams.has(stream)) return;
    streams.add(stream);
    this.#resize(+1);
  }

  remove(requestId: string, stream: ServerResponse): void {
    const streams = this.#streams.get(requestId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.#streams.delete(requestId);
    this.#resize(-1);
  }

  /** The requests that pages on this replica wait for. */
  requestIds(): string[] {
    return [...this.#streams.keys()];
  }

  /** True when a page still connected on this replica waits for this request. */
  has(requestId: string): boolean {
    return [...(this.#streams.get(requestId) ?? [])].some(isOpen);
  }

  /** Removes and returns the open streams waiting for this request, for the event that ends them. */
  take(requestId: string): ServerResponse[] {
    const streams = [...(this.#streams.get(requestId) ?? [])];
    for (const stream of streams) this.remove(requestId, stream);
    return streams.filter(isOpen);
  }

  /** Ends every stream (shutdown): the pages' EventSource reconnects to another replica. */
  closeAll(): void {
    clearInterval(this.#keepAlive);
    for (const requestId of [...this.#streams.keys()]) for (const stream of this.take(requestId)) stream.end();
  }

  #sendKeepAlive(): void {
    for (const streams of this.#streams.values()) for (const stream of streams) if (isOpen(stream)) writeComment(stream, 'keep-alive');
  }

  #resize(delta: number): void {
    this.#size += delta;
    this.#onSizeChange(this.#size);
  }
}

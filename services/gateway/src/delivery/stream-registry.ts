import type { ServerResponse } from 'node:http';
import { isOpen, writeComment } from './sse.ts';

/** Bounds on what one customer's pages may hold on a replica. */
export interface StreamLimits {
  /** Streams one customer may hold open at once (SSE_MAX_STREAMS_PER_CUSTOMER). */
  maxPerCustomer?: number;
  /** A stream is ended after this (SSE_MAX_LIFETIME_MS), checked at each keep-alive; the page reopens it. */
  maxLifetimeMs?: number;
  now?: () => number;
}

interface StreamInfo {
  customer: string | undefined;
  openedAt: number;
}

/**
 * The pages waiting on this replica, by request id. Per-stream state is the response object, its customer and when
 * it opened (a customer may have two tabs open on one request), so tens of thousands of streams fit in little memory;
 * one timer keeps them all alive through proxies and ends those past their lifetime.
 */
export class StreamRegistry {
  readonly #streams = new Map<string, Set<ServerResponse>>();
  readonly #info = new Map<ServerResponse, StreamInfo>();
  readonly #perCustomer = new Map<string, number>();
  readonly #onSizeChange: (size: number) => void;
  readonly #maxPerCustomer: number;
  readonly #maxLifetimeMs: number;
  readonly #now: () => number;
  #size = 0;
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(keepAliveMs: number, onSizeChange: (size: number) => void = () => {}, limits: StreamLimits = {}) {
    this.#onSizeChange = onSizeChange;
    this.#maxPerCustomer = limits.maxPerCustomer ?? Number.POSITIVE_INFINITY;
    this.#maxLifetimeMs = limits.maxLifetimeMs ?? Number.POSITIVE_INFINITY;
    this.#now = limits.now ?? Date.now;
    this.#keepAlive = setInterval(() => this.#sendKeepAlive(), keepAliveMs);
    this.#keepAlive.unref();
  }

  /** False when the customer already holds SSE_MAX_STREAMS_PER_CUSTOMER streams here (check, then add in one tick). */
  mayOpen(customer: string): boolean {
    return (this.#perCustomer.get(customer) ?? 0) < this.#maxPerCustomer;
  }

  get size(): number {
    return this.#size;
  }

  add(requestId: string, stream: ServerResponse, customer?: string): void {
    let streams = this.#streams.get(requestId);
    if (!streams) this.#streams.set(requestId, (streams = new Set()));
    if (streams.has(stream)) return;
    streams.add(stream);
    this.#info.set(stream, { customer, openedAt: this.#now() });
    if (customer !== undefined) this.#perCustomer.set(customer, (this.#perCustomer.get(customer) ?? 0) + 1);
    this.#resize(+1);
  }

  remove(requestId: string, stream: ServerResponse): void {
    const streams = this.#streams.get(requestId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.#streams.delete(requestId);
    const customer = this.#info.get(stream)?.customer;
    this.#info.delete(stream);
    if (customer !== undefined) {
      const left = (this.#perCustomer.get(customer) ?? 1) - 1;
      if (left > 0) this.#perCustomer.set(customer, left);
      else this.#perCustomer.delete(customer);
    }
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
    const now = this.#now();
    for (const [requestId, streams] of [...this.#streams]) {
      for (const stream of [...streams]) {
        if (!isOpen(stream)) continue;
        if (now - (this.#info.get(stream)?.openedAt ?? now) >= this.#maxLifetimeMs) {
          // Past its lifetime: ended, so that no connection is held for ever; the page reopens it with a new ticket.
          this.remove(requestId, stream);
          stream.end();
        } else writeComment(stream, 'keep-alive');
      }
    }
  }

  #resize(delta: number): void {
    this.#size += delta;
    this.#onSizeChange(this.#size);
  }
}

/**
 * The completion state of one partition's in-flight messages. Messages start in offset order but may finish in
 * any order (they run concurrently); only an offset below which every message is done may be committed, so a slow
 * message holds the partition's committed offset back and is redelivered if the process dies before it finishes.
 */
export class PartitionProgress<M> {
  #queue: Array<{ offset: bigint; message: M; done: boolean }> = [];
  #head = 0;
  #byOffset = new Map<bigint, { offset: bigint; message: M; done: boolean }>();
  #lastStarted = -1n;

  /** False when the offset does not follow the last one started (the stream rewound after a rebalance). */
  follows(offset: bigint): boolean {
    return offset > this.#lastStarted;
  }

  start(offset: bigint, message: M): void {
    const entry = { offset, message, done: false };
    this.#queue.push(entry);
    this.#byOffset.set(offset, entry);
    this.#lastStarted = offset;
  }

  /** Marks `offset` done; returns the message whose commit now covers the longest finished prefix, if it moved. */
  finish(offset: bigint): M | undefined {
    const entry = this.#byOffset.get(offset);
    if (!entry) return undefined;
    entry.done = true;
    this.#byOffset.delete(offset);
    let committable: M | undefined;
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.done) {
      committable = this.#queue[this.#head]!.message;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return committable;
  }

  get inFlight(): number {
    return this.#byOffset.size;
  }
}

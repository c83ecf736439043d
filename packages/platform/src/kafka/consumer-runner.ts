import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes, type Message, type MessagesStream } from '@platformatic/kafka';
import { isRetryable } from '../errors/app-error.ts';
import { backoffDelay } from '../lifecycle/backoff.ts';
import { repeatedFailureLevel } from '../logging/repeated-failure.ts';
import { consumerMetrics, type ConsumerMetrics } from './consumer-metrics.ts';
import type { ConsumerHealth, ConsumerOptions, ConsumerState, ConsumerStats, RecordContext, RunningConsumer } from './consumer-types.ts';
import { PartitionProgress } from './partition-progress.ts';
import { clientOptions } from './connection.ts';
import { deadLetterTopic } from './topics.ts';
import { processRecord as inProcessSpan, textHeaders } from '../telemetry/messaging.ts';

type Record = Message<Buffer, Buffer, Buffer, Buffer>;
type Client = Consumer<Buffer, Buffer, Buffer, Buffer>;
type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/**
 * One connection of the consumer to its group: a client, its stream, and the completion state of the records that
 * stream delivered. A stream that fails is finished for good, so healing means retiring the whole generation and
 * opening a new one, which resumes from the committed offsets.
 */
interface Generation {
  id: number;
  client: Client;
  stream: Stream;
  trackers: Map<number, PartitionProgress<Record>>;
  /** Records of this generation not yet finished (backpressure: the stream pauses at `concurrency`). */
  pending: number;
  startedAt: number;
  lastFetchAt: number;
  /** Since when heartbeats to the group coordinator fail (the client is retrying), if they do. */
  heartbeatFailingSince: number | undefined;
  /** A commit failed already (later failures of this generation are logged at debug level). */
  commitFailed: boolean;
  retired: boolean;
  /** Resolves with the reason once the generation is broken (stream error or end, failed rejoin). */
  ended: Promise<Error>;
  end(reason: Error): void;
}

/** How long close() lets a reconnection's group join finish before closing its client anyway. */
const JOIN_WAIT_MS = 10_000;
const noop = () => {};

/** An error's message, with the last underlying error of an aggregate ("fetch failed 4 times.: Connection closed"). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = (error as Partial<AggregateError>).errors;
  const last = Array.isArray(nested) ? nested.at(-1) : undefined;
  return last instanceof Error && last.message !== error.message ? `${error.message} ${last.message}` : error.message;
}

/**
 * Runs a consumer group member for one topic: validates each record against its contract, dead-letters the invalid
 * ones and those the handler rejects as permanently bad, retries every other failure for as long as it runs, handles
 * records with bounded concurrency, and commits only offsets below which every record is done (at least once, nothing
 * lost).
 *
 * It heals: when its stream fails, its connection drops or its group membership cannot be restored, it retires that
 * client and opens a new one with backoff, resuming from the committed offsets, until close(). Work in flight carries
 * over: a record redelivered while its handler still runs (or after it finished but before its offset was committed)
 * is not handled twice by this process.
 *
 * The first connection must succeed (runConsumer rejects otherwise); close() stops fetching, drains, commits and leaves
 * the group.
 */
export async function runConsumer<T>(options: ConsumerOptions<T>): Promise<RunningConsumer> {
  const { connection, groupId, topic, logger } = options;
  const concurrency = options.concurrency ?? 64;
  const retryBaseMs = options.retryBaseDelayMs ?? 100;
  const retryMaxMs = options.retryMaxDelayMs ?? 10_000;
  const reconnectBaseMs = options.reconnectBaseDelayMs ?? 500;
  const reconnectMaxMs = options.reconnectMaxDelayMs ?? 15_000;
  const lagIntervalMs = options.lagIntervalMs ?? 5_000;
  const fetchStallMs = options.fetchStallMs ?? 60_000;
  const metrics: ConsumerMetrics | undefined = options.metrics ? consumerMetrics(options.metrics) : undefined;
  const labels = { group: groupId, topic };
  metrics?.deadLetters.inc(labels, 0); // a series from the start, so that the first dead letter is an increase

  const stats: ConsumerStats = { inFlight: 0, processed: 0, deadLettered: 0, retries: 0, restarts: 0 };
  let state: ConsumerState = 'reconnecting';
  let stateSince = Date.now();
  let lastError: string | undefined;
  let lastProgressAt: number | undefined;
  let lag = new Map<number, number>();
  let lagReadAt: number | undefined;
  let current: Generation | undefined;
  /** A reconnection's client while its consume() (the group join) is in flight, and that call settled either way. */
  let opening: { client: Client; settled: Promise<void> } | undefined;
  let generations = 0;
  let closing = false;
  const closed = new AbortController();
  let idle: (() => void) | undefined;

  /** Work per partition and offset, across generations, until its offset is known to be committed. */
  const work = new Map<number, Map<bigint, { promise: Promise<void>; settled: boolean }>>();

  const setState = (next: ConsumerState, error?: string) => {
    if (next !== state) stateSince = Date.now();
    state = next;
    lastError = next === 'running' ? undefined : (error ?? lastError);
    metrics?.up.set(labels, next === 'running' ? 1 : 0);
  };
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
  /**
   * Since when the running generation has been cut off from its group coordinator, if it has: a heartbeat failed, or
   * none succeeded for a session timeout (by then the coordinator has given the member up). The client's own retries of
   * a heartbeat can take far longer than that to report a failure, so the silence is what tells first.
   */
  const cutOffSince = (generation: Generation | undefined): number | undefined => {
    if (!generation) return undefined;
    if (generation.heartbeatFailingSince !== undefined) return generation.heartbeatFailingSince;
    const lastBeat = Math.max(generation.client.lastHeartbeat?.getTime() ?? 0, generation.startedAt);
    return Date.now() - lastBeat > sessionTimeoutMs ? lastBeat + sessionTimeoutMs : undefined;
  };
  const effectiveState = (): ConsumerState => (state === 'running' && cutOffSince(current) !== undefined ? 'reconnecting' : state);

  const sleepUnlessClosed = (ms: number) => sleep(ms, undefined, { signal: closed.signal }).catch(() => {});

  // ---- dead letters and handling -------------------------------------------------------------------------------------

  const deadLetter = async (record: Record, reason: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.producer.publishRecords([
          {
            topic: deadLetterTopic(topic),
            key: record.key?.toString() ?? '',
            value: record.value ?? Buffer.alloc(0),
            headers: {
              'x-dlq-reason': reason.slice(0, 1000),
              'x-original-topic': topic,
              'x-original-partition': String(record.partition),
              'x-original-offset': String(record.offset),
              'x-consumer-group': groupId,
            },
          },
        ]);
        stats.deadLettered++;
        metrics?.deadLetters.inc(labels);
        logger.warn({ topic, partition: record.partition, offset: String(record.offset), reason }, 'message sent to dead-letter topic');
        return;
      } catch (error) {
        // The record stays uncommitted (and holds its partition back) until its dead letter is durable.
        if (closing) throw error;
        const delay = backoffDelay(attempt, retryBaseMs, retryMaxMs);
        logger[repeatedFailureLevel(attempt)](
          { err: error, topic, partition: record.partition, offset: String(record.offset), attempt, delay },
          'publishing a dead letter failed; retrying',
        );
        await sleepUnlessClosed(delay);
        if (closing) throw error;
      }
    }
  };

  const handleWithRetries = async (record: Record, message: T) => {
    for (let attempt = 1; ; attempt++) {
      const context: RecordContext = {
        topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key?.toString() ?? '',
        attempt,
        timestamp: new Date(Number(record.timestamp)),
      };
      try {
        await options.handle(message, context);
        stats.processed++;
        return;
      } catch (error) {
        // A message the handler calls bad (retryable: false, e.g. a PermanentError) is dead-lettered; anything else retried.
        if (!isRetryable(error)) return deadLetter(record, `rejected: ${describe(error)}`);
        if (closing) throw error; // leave it uncommitted: the next owner of the partition retries it
        stats.retries++;
        const delay = backoffDelay(attempt, retryBaseMs, retryMaxMs);
        logger[repeatedFailureLevel(attempt)](
          { err: error, topic, partition: record.partition, offset: String(record.offset), attempt, delay },
          'handler failed; retrying',
        );
        await sleepUnlessClosed(delay);
        if (closing) throw error;
      }
    }
  };

  const processRecord = async (record: Record) => {
    let decoded;
    try {
      decoded = options.decode(record.value ?? Buffer.alloc(0));
    } catch (error) {
      decoded = { ok: false as const, reason: `the decoder failed: ${describe(error)}` };
    }
    if (!decoded.ok) return deadLetter(record, decoded.reason);
    await handleWithRetries(record, decoded.value);
  };

  /** The work for a record: the one already running or done for that offset, or a new one. */
  const workFor = (record: Record): Promise<void> => {
    let byOffset = work.get(record.partition);
    if (!byOffset) work.set(record.partition, (byOffset = new Map()));
    const existing = byOffset.get(record.offset);
    if (existing) return existing.promise;
    stats.inFlight++;
    // In a `process <topic>` span, child of the producer's, and in the scope of the record's request (log lines).
    const traced = { topic, groupId, partition: record.partition, offset: record.offset, headers: textHeaders(record.headers) };
    const entry = {
      settled: false,
      promise: inProcessSpan(traced, () => processRecord(record)).finally(() => {
        stats.inFlight--;
        entry.settled = true;
        lastProgressAt = Date.now();
        if (closing && stats.inFlight === 0) idle?.();
      }),
    };
    byOffset.set(record.offset, entry);
    entry.promise.catch(() => byOffset.delete(record.offset)); // not done: a redelivery must run it again
    return entry.promise;
  };

  /** Offsets below `next` are committed: their work need not be remembered any more. */
  const forgetCommitted = (partition: number, next: bigint) => {
    const byOffset = work.get(partition);
    if (!byOffset) return;
    for (const offset of byOffset.keys()) if (offset < next) byOffset.delete(offset);
  };

  // ---- generations ---------------------------------------------------------------------------------------------------

  const onRecord = (generation: Generation, record: Record) => {
    generation.lastFetchAt = Date.now();
    let tracker = generation.trackers.get(record.partition);
    // A rewind means the partition was reassigned; in-flight work of the old assignment finishes on its own tracker.
    if (!tracker || !tracker.follows(record.offset)) generation.trackers.set(record.partition, (tracker = new PartitionProgress()));
    tracker.start(record.offset, record);
    generation.pending++;
    if (generation.pending >= concurrency) generation.stream.pause();
    workFor(record)
      .then(() => {
        const committable = tracker.finish(record.offset);
        if (!committable) return;
        Promise.resolve(committable.commit()).then(
          () => forgetCommitted(committable.partition, committable.offset + 1n),
          (error: unknown) => {
            // Not lost: the next generation (or the partition's next owner) resumes from the last committed offset.
            const first = !generation.retired && !generation.commitFailed;
            generation.commitFailed = true;
            logger[first ? 'warn' : 'debug'](
              { err: error, topic, partition: committable.partition },
              'offset commit failed; the range is redelivered',
            );
          },
        );
      })
      .catch((error) => logger.info({ err: error, topic, offset: String(record.offset) }, 'message left uncommitted'))
      .finally(() => {
        generation.pending--;
        if (!closing && !generation.retired && generation.stream.isPaused() && generation.pending < concurrency) generation.stream.resume();
      });
  };

  const createClient = (): Client =>
    new Consumer({
      groupId,
      ...clientOptions(connection, 'consumer'),
      autocommit: false,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
      maxWaitTime: 500,
      highWaterMark: Math.max(concurrency, 64),
      // The client's own retries ride out a blip (a leader election, a coordinator moving); a longer outage fails the
      // stream, and the generation is replaced.
      retries: options.clientRetries ?? 5,
      retryDelay: options.clientRetryDelayMs ?? 1_000,
    });

  /** Closes a client without waiting on an unreachable broker for long; never throws. */
  const shutDown = async (client: Client, stream: Stream | undefined, graceful: boolean) => {
    const attempt = async () => {
      if (stream) {
        if (graceful) await stream.close().catch((error: Error) => logger.debug({ err: error }, 'closing the consumer stream failed'));
        else stream.destroy();
      }
      await client.close(true);
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 10_000)));
    try {
      const outcome = await Promise.race([attempt().then(() => 'closed' as const), timeout]);
      if (outcome === 'timeout') throw new Error('closing the consumer timed out');
    } catch (error) {
      logger.debug({ err: error, topic }, 'closing the consumer failed; dropping its connections');
      stream?.destroy();
      await client.connections.close().catch(() => {});
    } finally {
      clearTimeout(timer);
    }
  };

  const openGeneration = async (): Promise<Generation> => {
    const client = createClient();
    let end!: (reason: Error) => void;
    const ended = new Promise<Error>((resolve) => (end = resolve));
    // The client emits 'error' when a rejoin of the group failed; unheard, that would crash the process.
    client.on('error', (error: Error) => end(error));
    const consuming = client.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    });
    opening = { client, settled: consuming.then(noop, noop) };
    let stream: Stream;
    try {
      stream = await consuming;
    } catch (error) {
      await shutDown(client, undefined, false);
      throw error;
    } finally {
      opening = undefined;
    }
    const now = Date.now();
    const generation: Generation = {
      id: ++generations,
      client,
      stream,
      trackers: new Map(),
      pending: 0,
      startedAt: now,
      lastFetchAt: now,
      heartbeatFailingSince: undefined,
      commitFailed: false,
      retired: false,
      ended,
      end: (reason) => end(reason),
    };
    client.on('consumer:heartbeat:error', () => (generation.heartbeatFailingSince ??= Date.now()));
    client.on('consumer:heartbeat:end', () => (generation.heartbeatFailingSince = undefined));
    stream.on('data', (record: Record) => onRecord(generation, record));
    stream.on('error', (error: Error) => generation.end(error));
    stream.on('close', () => generation.end(new Error('the consumer stream closed')));
    return generation;
  };

  const retire = async (generation: Generation) => {
    generation.retired = true;
    await shutDown(generation.client, generation.stream, false);
  };

  /** Replaces broken generations until close(). */
  const heal = async () => {
    let failures = 0;
    while (!closing && current) {
      const broken = current;
      const reason = await Promise.race([
        broken.ended,
        new Promise<undefined>((resolve) => closed.signal.addEventListener('abort', () => resolve(undefined), { once: true })),
      ]);
      if (closing || !reason) return;
      stats.restarts++;
      metrics?.restarts.inc(labels);
      setState('reconnecting', describe(reason));
      logger.warn({ err: reason, topic, groupId }, 'consumer lost its broker or group; reconnecting');
      current = undefined;
      await retire(broken);
      // A generation that ran for a while starts the backoff afresh.
      if (Date.now() - broken.startedAt > reconnectMaxMs) failures = 0;
      while (!closing && !current) {
        failures++;
        await sleepUnlessClosed(backoffDelay(failures, reconnectBaseMs, reconnectMaxMs));
        if (closing) return;
        try {
          const generation = await openGeneration();
          if (closing) {
            await shutDown(generation.client, generation.stream, false);
            return;
          }
          current = generation;
          setState('running');
          logger.info({ topic, groupId, generation: generation.id, restarts: stats.restarts }, 'consumer reconnected');
          void readLag();
        } catch (error) {
          if (closing) return;
          lastError = describe(error);
          logger[repeatedFailureLevel(failures)]({ err: error, topic, groupId, failures }, 'reconnecting the consumer failed; retrying');
        }
      }
    }
  };

  // ---- lag -----------------------------------------------------------------------------------------------------------

  let readingLag = false;
  const readLag = async () => {
    const generation = current;
    if (!generation || effectiveState() !== 'running' || closing || readingLag) return;
    readingLag = true;
    try {
      const offsets = await generation.client.getLag({ topics: [topic] });
      if (generation !== current) return;
      const next = new Map<number, number>();
      (offsets.get(topic) ?? []).forEach((value, partition) => {
        if (value >= 0n) next.set(partition, Number(value));
      });
      if (metrics) {
        for (const partition of lag.keys()) if (!next.has(partition)) metrics.lag.remove({ ...labels, partition: String(partition) });
        for (const [partition, value] of next) metrics.lag.set({ ...labels, partition: String(partition) }, value);
      }
      // Finished work of partitions this member no longer owns is of no further use (another member commits them).
      const assigned = generation.client.assignments?.find((assignment) => assignment.topic === topic)?.partitions;
      for (const [partition, byOffset] of assigned ? work : []) {
        if (assigned!.includes(partition)) continue;
        for (const [offset, entry] of byOffset) if (entry.settled) byOffset.delete(offset);
        if (byOffset.size === 0) work.delete(partition);
      }
      lag = next;
      lagReadAt = Date.now();
      const waiting = [...next.values()].reduce((sum, value) => sum + value, 0);
      const quietFor = Date.now() - Math.max(generation.lastFetchAt, lastProgressAt ?? 0);
      if (waiting > 0 && generation.pending === 0 && quietFor > fetchStallMs) {
        generation.end(new Error(`no records fetched for ${Math.round(quietFor / 1000)} s while ${waiting} are waiting`));
      }
    } catch (error) {
      logger.debug({ err: error, topic }, 'reading the consumer lag failed');
    } finally {
      readingLag = false;
    }
  };

  // ---- start ---------------------------------------------------------------------------------------------------------

  current = await openGeneration();
  setState('running');
  const healing = heal();
  const lagTimer = setInterval(() => void readLag(), lagIntervalMs);
  lagTimer.unref();
  void readLag();

  return {
    stats,
    health(): ConsumerHealth {
      const reported = effectiveState();
      return {
        topic,
        groupId,
        state: reported,
        since: reported === state ? stateSince : (cutOffSince(current) ?? stateSince),
        lastError: reported === 'running' ? undefined : reported !== state ? 'no heartbeat reaches the group coordinator' : lastError,
        lastProgressAt,
        lag: new Map(lag),
        waiting: [...lag.values()].reduce((sum, value) => sum + value, 0),
        lagReadAt,
        inFlight: stats.inFlight,
        restarts: stats.restarts,
      };
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(lagTimer);
      const generation = current;
      generation?.stream.pause();
      if (stats.inFlight > 0) {
        const drained = new Promise<void>((resolve) => (idle = resolve));
        // Retries waiting on their backoff give up at once (closing); a handler still running gets the drain timeout.
        closed.abort();
        await Promise.race([drained, sleep(options.drainTimeoutMs ?? 10_000, undefined, { ref: false })]);
        await nextTurn(); // the offsets of the last finished records are queued
      }
      closed.abort();
      // A reconnection in progress is left to finish its join (the heal loop then closes what it opened): a client
      // closed mid-join goes on joining in @platformatic/kafka 2.12, then fetches on the closed client, and the error
      // that throws is uncaught (seen once in CI as "Client is closed."). One that takes too long gives up anyway.
      if (opening) await Promise.race([opening.settled, sleep(JOIN_WAIT_MS, undefined, { ref: false })]);
      if (opening) await shutDown(opening.client, undefined, false);
      await healing;
      if (generation && generation === current) await shutDown(generation.client, generation.stream, true);
      setState('closed');
      if (metrics) {
        for (const partition of lag.keys()) metrics.lag.remove({ ...labels, partition: String(partition) });
        metrics.up.remove(labels);
      }
    },
  };
}

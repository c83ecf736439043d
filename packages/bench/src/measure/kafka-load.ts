import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Topics } from '@voucher/contracts';
import { KafkaProducer, namespaced } from '@voucher/platform/kafka';
import { syntheticPhoneNumbers } from '@voucher/voucher-service/src/tools/seed-vouchers.ts';

export interface SentRequest {
  requestId: string;
  sentAtMs: number;
  /** When the broker acknowledged it (acks=all): the bench's producer stands in for the gateway's publish. */
  publishedAtMs: number;
}

export interface ProduceOptions {
  namespace: string;
  count: number;
  /** Messages per second; Infinity sends as fast as the broker acknowledges. */
  ratePerSec: number;
  /** The request-code `deadline` is this far after `requestedAt` (the web promise). */
  webDeadlineMs: number;
  /** Gives up (keeping what was sent) after this long. */
  timeoutMs: number;
}

const TICK_MS = 50;
const MAX_BATCHES_IN_FLIGHT = 8;
const BURST_BATCH = 500;
// Spread the load over many customers (the message key), so every partition gets its share.
const phoneNumbers = syntheticPhoneNumbers(5_000, 9_000_000);

function requestCodeRecord(topic: string, index: number, webDeadlineMs: number) {
  const requestId = randomUUID();
  const phoneNumber = phoneNumbers[index % phoneNumbers.length]!;
  const now = Date.now();
  const value = { requestId, phoneNumber, requestedAt: new Date(now).toISOString(), deadline: new Date(now + webDeadlineMs).toISOString() };
  return {
    record: { topic, key: phoneNumber, value: Buffer.from(JSON.stringify(value)) },
    sent: { requestId, sentAtMs: now, publishedAtMs: 0 },
  };
}

/**
 * Produces `count` request-code messages straight to the stack's namespaced topic, paced in 50 ms ticks (or in
 * back-to-back batches for a burst), with a bounded number of batches awaiting the broker.
 */
export async function produceRequestCodes(options: ProduceOptions): Promise<SentRequest[]> {
  const topic = namespaced(options.namespace, Topics.requestCode);
  const producer = new KafkaProducer({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'bench' });
  const sent: SentRequest[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const perBatch = Number.isFinite(options.ratePerSec) ? Math.max(1, Math.round((options.ratePerSec * TICK_MS) / 1000)) : BURST_BATCH;
  let queued = 0;
  try {
    for (let tick = 0; queued < options.count && Date.now() - started < options.timeoutMs; tick++) {
      const batch = Array.from({ length: Math.min(perBatch, options.count - queued) }, (_, i) =>
        requestCodeRecord(topic, queued + i, options.webDeadlineMs),
      );
      queued += batch.length;
      const publishing = producer.publishRecords(batch.map((entry) => entry.record)).then(() => {
        inFlight.delete(publishing);
        const publishedAtMs = Date.now();
        sent.push(...batch.map((entry) => ({ ...entry.sent, publishedAtMs })));
      });
      inFlight.add(publishing);
      if (inFlight.size >= MAX_BATCHES_IN_FLIGHT) await Promise.race(inFlight);
      if (Number.isFinite(options.ratePerSec)) await sleep(Math.max(0, started + (tick + 1) * TICK_MS - Date.now()));
    }
    await Promise.all(inFlight);
  } finally {
    await producer.close();
  }
  return sent;
}

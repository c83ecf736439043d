import { Gauge } from 'prom-client';
import type { Metrics } from '@voucher/platform/http';

/** The gateway's own Prometheus series, beside the HTTP and process metrics every service has. */
export function createGatewayMetrics(metrics: Metrics) {
  const accepted = metrics.counter('gateway_requests_accepted_total', 'Voucher requests acknowledged by the broker and answered 202');
  const openStreams = metrics.gauge('gateway_sse_streams_open', 'Server-Sent Event streams of waiting pages open on this replica');
  const deliveries = metrics.counter('gateway_deliveries_total', 'Outcomes told to customers, by channel and outcome', [
    'channel',
    'outcome',
  ]);
  const smsFailures = metrics.counter('gateway_sms_failures_total', 'SMS sends the SMS gateway refused or did not answer (retried later)');
  return {
    smsFailed: () => smsFailures.inc(),
    requestAccepted: () => accepted.inc(),
    setOpenStreams: (count: number) => openStreams.set(count),
    delivered: (channel: 'WEB' | 'SMS', outcome: 'code' | 'failure') => deliveries.inc({ channel, outcome }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** A backlog in the shared database: how many rows wait, and how long the oldest has waited. */
export interface Backlog {
  count: number;
  /** Seconds the oldest has waited (0 when there is none). */
  oldestSeconds: number;
}

/** The two gauges of a backlog: `<name>` and `<name>_oldest_seconds`, each with its help text. */
export interface BacklogGauges {
  name: string;
  countHelp: string;
  oldestHelp: string;
}

/**
 * A backlog's gauges, read from the shared database when /metrics is scraped (so every replica reports the same
 * figure: alert on max). Both gauges are collected in one scrape, so one query serves the two. A failed read keeps the
 * last figures instead of failing the scrape.
 */
export function registerBacklogGauges(
  metrics: Metrics,
  { name, countHelp, oldestHelp }: BacklogGauges,
  read: () => Promise<Backlog>,
): void {
  let last: Backlog = { count: 0, oldestSeconds: 0 };
  let reading: Promise<Backlog> | undefined;
  const current = () => {
    reading ??= read()
      .then((value) => (last = value))
      .catch(() => last)
      .finally(() => setTimeout(() => (reading = undefined), 100).unref());
    return reading;
  };
  const gauges = [
    [name, countHelp, 'count'],
    [`${name}_oldest_seconds`, oldestHelp, 'oldestSeconds'],
  ] as const;
  for (const [gaugeName, help, field] of gauges) {
    new Gauge({
      name: gaugeName,
      help,
      registers: [metrics.registry],
      async collect() {
        this.set((await current())[field]);
      },
    });
  }
}

/** Requests past their deadline whose customer has not been told the outcome yet (the overdue sweep's backlog). */
export const overdueGauges: BacklogGauges = {
  name: 'gateway_requests_overdue',
  countHelp: 'Accepted requests past their deadline whose customer has not been told the outcome yet',
  oldestHelp: 'How long past its deadline the oldest undelivered request is',
};

/** Texted codes voucher-service has not been told of yet: the listing says the channel meant (WEB) for them. */
export const unreportedTextsGauges: BacklogGauges = {
  name: 'gateway_texts_unreported',
  countHelp: 'Codes texted to customers that voucher-service has not been told of yet (the listing shows them as meant, not SMS)',
  oldestHelp: 'How long ago the oldest unreported text was sent',
};

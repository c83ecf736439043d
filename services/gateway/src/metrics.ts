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

export interface OverdueCount {
  /** Accepted requests past their deadline whose customer has not been told the outcome yet. */
  count: number;
  /** How long past its deadline the oldest of them is, in seconds (0 when there is none). */
  oldestSeconds: number;
}

/**
 * Requests past their deadline still undelivered, read from the shared database when /metrics is scraped (so every
 * replica reports the same figure: alert on max). A failed read keeps the last figures instead of failing the scrape.
 */
export function registerOverdueGauges(metrics: Metrics, read: () => Promise<OverdueCount>): void {
  let last: OverdueCount = { count: 0, oldestSeconds: 0 };
  let reading: Promise<OverdueCount> | undefined;
  // Both gauges are collected in one scrape: one query serves the two.
  const current = () => {
    reading ??= read()
      .then((value) => (last = value))
      .catch(() => last)
      .finally(() => setTimeout(() => (reading = undefined), 100).unref());
    return reading;
  };
  const gauges = [
    ['gateway_requests_overdue', 'Accepted requests past their deadline whose customer has not been told the outcome yet', 'count'],
    ['gateway_requests_overdue_oldest_seconds', 'How long past its deadline the oldest undelivered request is', 'oldestSeconds'],
  ] as const;
  for (const [name, help, field] of gauges) {
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      async collect() {
        this.set((await current())[field]);
      },
    });
  }
}

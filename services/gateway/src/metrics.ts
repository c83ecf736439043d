import type { Metrics } from '@voucher/platform/http';

/** The gateway's own Prometheus series, beside the HTTP and process metrics every service has. */
export function createGatewayMetrics(metrics: Metrics) {
  const accepted = metrics.counter('gateway_requests_accepted_total', 'Voucher requests acknowledged by the broker and answered 202');
  const openStreams = metrics.gauge('gateway_sse_streams_open', 'Server-Sent Event streams of waiting pages open on this replica');
  const deliveries = metrics.counter('gateway_deliveries_total', 'Outcomes told to customers, by channel and outcome', [
    'channel',
    'outcome',
  ]);
  return {
    requestAccepted: () => accepted.inc(),
    setOpenStreams: (count: number) => openStreams.set(count),
    delivered: (channel: 'WEB' | 'SMS', outcome: 'code' | 'failure') => deliveries.inc({ channel, outcome }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

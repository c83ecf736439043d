import type { Metrics } from '@voucher/platform/http';

/** The service's own Prometheus metrics, registered on the process registry that /metrics serves. */
export function createIntegrationMetrics(metrics: Metrics) {
  return {
    vpsCallsInFlight: metrics.gauge('vps_calls_in_flight', 'Calls to the VPS awaiting an answer'),
    vpsCalls: metrics.counter(
      'vps_calls_total',
      'Calls to the VPS by outcome (code, challenge, error, invalid, timeout, dropped, unreachable)',
      ['outcome'],
    ),
    vpsCallDuration: metrics.histogram(
      'vps_call_duration_seconds',
      'How long the VPS took to answer one call, by outcome (code, challenge, error, invalid, timeout, dropped, unreachable)',
      [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 7.5, 10],
      ['outcome'],
    ),
    requestOutcomes: metrics.counter('request_code_outcomes_total', 'Request-code messages by how their handling ended', ['outcome']),
    callbacks: metrics.counter('vps_callbacks_total', 'VPS callbacks by outcome', ['outcome']),
    expiredChallenges: metrics.counter('vps_challenges_expired_total', 'Challenges that expired without a callback after every re-ask'),
    reasks: metrics.counter(
      'vps_reasks_total',
      'Expired challenges asked about again, by the VPS answer (code, challenge, error, unanswered)',
      ['outcome'],
    ),
    unansweredGivenUp: metrics.counter(
      'vps_unanswered_given_up_total',
      'Requests failed because the VPS never answered about them within VPS_UNANSWERED_WINDOW_MS: reconcile them with the VPS',
    ),
    codesReused: metrics.counter(
      'vps_codes_reused_total',
      'Outcomes whose voucher code the VPS had already issued to another request (settled FAILED, the code not passed on)',
    ),
    outboxPublished: metrics.counter('outbox_published_total', 'receive-code records the outbox relay published'),
    outboxPublishFailures: metrics.counter('outbox_publish_failures_total', 'Outbox relay publishes that failed (retried later)'),
  };
}

export type IntegrationMetrics = ReturnType<typeof createIntegrationMetrics>;

import { uniformInteger, type Random } from '@voucher/platform/random';

export const trafficProfiles = ['low', 'high', 'extreme', 'mixed'] as const;
export type TrafficProfile = (typeof trafficProfiles)[number];
export type Traffic = { profile: TrafficProfile } | { profile: 'fixed'; latencyMs: number };

export const MAX_LATENCY_MS = 600_000;

/** The marks every draw is measured against. */
export interface Timings {
  ackAfterMs: number;
  webDeadlineMs: number;
  /** The range of the `low` profile, already within [0, ackAfterMs]. */
  lowMinMs: number;
  lowMaxMs: number;
}

/** `VPS_TRAFFIC`: a profile name or a fixed latency in milliseconds. */
export function parseTraffic(raw: string): Traffic {
  if ((trafficProfiles as readonly string[]).includes(raw)) return { profile: raw as TrafficProfile };
  const latencyMs = Number(raw);
  if (Number.isInteger(latencyMs) && latencyMs >= 0 && latencyMs <= MAX_LATENCY_MS) return { profile: 'fixed', latencyMs };
  throw new Error(`must be one of ${trafficProfiles.join(', ')} or a latency from 0 to ${MAX_LATENCY_MS} ms, got '${raw}'`);
}

/** How long the code for one request takes, measured from the request's arrival. */
export function drawLatency(traffic: Traffic, timings: Timings, random: Random): number {
  switch (traffic.profile) {
    case 'fixed':
      return traffic.latencyMs;
    case 'low':
      return uniformInteger(random, timings.lowMinMs, timings.lowMaxMs);
    case 'high':
      return uniformInteger(random, timings.ackAfterMs + 1, timings.webDeadlineMs);
    case 'extreme':
      // Over the deadline, so that the code comes LATE_SUCCESS and the bank must fall back to SMS.
      return uniformInteger(random, Math.ceil(timings.webDeadlineMs * 1.05), Math.ceil(timings.webDeadlineMs * 1.5));
    case 'mixed':
      return drawLatency({ profile: pickMixedProfile(random()) }, timings, random);
  }
}

/** 60% low, 30% high, 10% extreme: mostly quick, with enough slow and late codes to exercise every path. */
function pickMixedProfile(draw: number): TrafficProfile {
  if (draw < 0.6) return 'low';
  return draw < 0.9 ? 'high' : 'extreme';
}

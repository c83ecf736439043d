import { Type, type Static } from '@sinclair/typebox';
import { jsonDecoder } from '../decoders.ts';
import { RequestId } from '../messages.ts';

/**
 * The support view (`GET /admin/requests/{requestId}` on the operations ports, staff token): what happened to one
 * request, from each service's own records. Each bank service answers its own part; the gateway gathers them into one
 * timeline. Phone numbers are masked as in the logs and voucher codes show their last four characters at most.
 */

export const SupportService = Type.Union([
  Type.Literal('gateway'),
  Type.Literal('voucher-integration-service'),
  Type.Literal('voucher-service'),
]);
export type SupportService = Static<typeof SupportService>;

/**
 * The steps of a request's life, in the order they normally happen (the order ties are broken in):
 * - gateway: `accepted` (row stored), `outcome-received` (receive-code recorded), `gave-up` (no outcome long after the
 *   deadline), `delivered-web`, `sent-by-sms`, `failure-told` (the customer was told it failed, on the page or by SMS);
 * - voucher-integration-service: `published` (when the gateway's request-code record was made, its Kafka timestamp, as
 *   read by this service: the gateway does not write its row again after the broker's acknowledgement, to keep the
 *   intake to one write per request), `consumed` (request-code taken, the VPS about to be called), `vps-answered` (a code at
 *   once), `vps-acknowledged` (202 with a PKCE challenge), `vps-failed` (errors until the attempts ran out, or an
 *   answer that could not be taken), `called-back` (a callback, or a re-ask, brought the code), `challenge-expired`,
 *   `outcome-recorded`, `outcome-published` (the receive-code record sent; the broker acknowledged it);
 * - voucher-service: `stored`.
 */
export const SUPPORT_STEPS = [
  'accepted',
  'published',
  'consumed',
  'vps-answered',
  'vps-acknowledged',
  'vps-failed',
  'called-back',
  'challenge-expired',
  'outcome-recorded',
  'outcome-published',
  'outcome-received',
  'stored',
  'gave-up',
  'delivered-web',
  'sent-by-sms',
  'failure-told',
] as const;
export type SupportStepName = (typeof SUPPORT_STEPS)[number];
export const SupportStepName = Type.Unsafe<SupportStepName>({ type: 'string', enum: [...SUPPORT_STEPS] });

export const SupportStep = Type.Object(
  {
    step: SupportStepName,
    at: Type.String({ format: 'date-time' }),
    service: SupportService,
    /** A sentence for people: which answer, which channel, why it failed. Never a code, verifier or token in full. */
    detail: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type SupportStep = Static<typeof SupportStep>;

/** One service's answer about a request it knows (404 problem when it does not). */
export const SupportPart = Type.Object(
  {
    service: SupportService,
    requestId: RequestId,
    /** Where the request stands in this service (its own state column). */
    state: Type.String({ maxLength: 40 }),
    steps: Type.Array(SupportStep),
    /** Other facts worth showing (deadline, masked number, outcome), as short texts. */
    facts: Type.Record(Type.String(), Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false, $id: 'support-part' },
);
export type SupportPart = Static<typeof SupportPart>;

/** Reads a service's answer (UTF-8 JSON) as its part, or says why it is not one. */
export const decodeSupportPart = jsonDecoder(SupportPart);

/** How the gateway fared asking one service for its part. */
export const SupportPartStatus = Type.Object(
  {
    service: SupportService,
    status: Type.Union([Type.Literal('found'), Type.Literal('not-found'), Type.Literal('unavailable')]),
    /** Why a part is unavailable (the service is down, answered an error, timed out). */
    detail: Type.Optional(Type.String({ maxLength: 500 })),
    state: Type.Optional(Type.String({ maxLength: 40 })),
    facts: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);
export type SupportPartStatus = Static<typeof SupportPartStatus>;

/** The gateway's answer: every known step in time order, and each service's part. */
export const SupportTimeline = Type.Object(
  {
    requestId: RequestId,
    steps: Type.Array(SupportStep),
    parts: Type.Array(SupportPartStatus),
  },
  { additionalProperties: false },
);
export type SupportTimeline = Static<typeof SupportTimeline>;

/** The path parameters of every support route. */
export const SupportParams = Type.Object({ requestId: RequestId }, { additionalProperties: false });

/** Masks a voucher code for staff eyes: its last four characters (fewer for a short code). */
export function maskVoucherCode(code: string): string {
  const shown = Math.min(4, Math.floor(code.length / 2));
  return shown === 0 ? '…' : `…${code.slice(-shown)}`;
}

/** Orders steps by time, then by SUPPORT_STEPS (steps recorded in the same instant, or in one transaction). */
export function inTimeOrder(steps: SupportStep[]): SupportStep[] {
  const rank = (step: SupportStep) => SUPPORT_STEPS.indexOf(step.step);
  return [...steps].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || rank(a) - rank(b));
}

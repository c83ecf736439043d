import type { SupportPart, SupportStep } from '@voucher/contracts';
import type { Queryable } from '@voucher/platform/database';
import { maskPhoneNumber } from '@voucher/platform/logging';
import type { DeliveryState } from '../delivery/life-cycle.ts';

interface Row {
  phoneNumber: string;
  state: DeliveryState;
  deadline: Date;
  status: string | null;
  message: string | null;
  smsAttempts: number;
  createdAt: Date;
  outcomeAt: Date | null;
  gaveUpAt: Date | null;
  toldAt: Date | null;
}

/** The step that told the customer, by the state it left the request in. */
const TOLD: Partial<Record<DeliveryState, SupportStep['step']>> = {
  DELIVERED: 'delivered-web',
  SENT_BY_SMS: 'sent-by-sms',
  FAILED: 'failure-told',
};

function toldDetail(row: Row): string {
  const bySms = row.state === 'SENT_BY_SMS' || (row.state === 'FAILED' && row.smsAttempts > 0);
  const attempts = row.smsAttempts > 1 ? ` (${row.smsAttempts} attempts; the earlier ones failed)` : '';
  return bySms ? `by SMS${attempts}` : 'on the page';
}

function stepsOf(row: Row): SupportStep[] {
  const steps: SupportStep[] = [];
  const add = (step: SupportStep['step'], at: Date | null, detail?: string) => {
    if (at) steps.push({ step, at: at.toISOString(), service: 'gateway', ...(detail ? { detail } : {}) });
  };
  add('accepted', row.createdAt, 'POST /voucher stored the request');
  add('outcome-received', row.outcomeAt, row.status ?? undefined);
  add('gave-up', row.gaveUpAt, 'no outcome long after the deadline');
  const told = TOLD[row.state];
  if (told) add(told, row.toldAt, toldDetail(row));
  return steps;
}

/** The gateway's own part of the support view: its row in voucher_requests, the number masked, no code. */
export async function gatewayPart(db: Queryable, requestId: string): Promise<SupportPart | undefined> {
  const [row] = await db.query<Row>(
    `SELECT phone_number AS "phoneNumber", state, deadline, status, message, sms_attempts AS "smsAttempts", created_at AS "createdAt",
       outcome_at AS "outcomeAt", gave_up_at AS "gaveUpAt", told_at AS "toldAt"
     FROM voucher_requests WHERE request_id = $1`,
    [requestId],
  );
  if (!row) return undefined;
  const facts: Record<string, string> = { phoneNumber: maskPhoneNumber(row.phoneNumber), deadline: row.deadline.toISOString() };
  if (row.status) facts.status = row.status;
  if (row.message) facts.message = row.message;
  if (row.smsAttempts > 0) facts.smsAttempts = String(row.smsAttempts);
  return { service: 'gateway', requestId, state: row.state, steps: stepsOf(row), facts };
}

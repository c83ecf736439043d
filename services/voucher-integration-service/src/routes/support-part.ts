import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SupportParams, SupportPart, type SupportStep } from '@voucher/contracts';
import type { Database } from '@voucher/platform/database';
import { problem, registerStaffRoutes } from '@voucher/platform/http';
import { maskPhoneNumber, type Logger } from '@voucher/platform/logging';
import { channelFor } from '../outcomes.ts';

interface Row {
  phoneNumber: string;
  state: string;
  deadline: Date;
  outcome: string | null;
  transformMethod: string | null;
  reasks: number;
  expiresAt: Date | null;
  failureReason: string | null;
  createdAt: Date;
  requestPublishedAt: Date | null;
  acknowledgedAt: Date | null;
  redeemedAt: Date | null;
  settledAt: Date | null;
  publishedAt: Date | null;
}

const SERVICE = 'voucher-integration-service';

/** This service's steps of a request, from its row in vps_requests (see SupportStepName for their meaning). */
function stepsOf(row: Row): SupportStep[] {
  const steps: SupportStep[] = [];
  const add = (step: SupportStep['step'], at: Date | null, detail?: string) => {
    if (at) steps.push({ step, at: at.toISOString(), service: SERVICE, ...(detail ? { detail } : {}) });
  };
  add('published', row.requestPublishedAt, "the gateway's request-code record, as made and acknowledged (its Kafka timestamp)");
  add('consumed', row.createdAt, 'request-code taken; the VPS is called');
  add('vps-acknowledged', row.acknowledgedAt, `202 with a ${row.transformMethod ?? ''} challenge; waiting for the callback`);
  const settledAtOnce = row.acknowledgedAt === null && row.redeemedAt === null;
  if (settledAtOnce && row.outcome !== 'FAILED') add('vps-answered', row.settledAt, `a code at once (${row.outcome})`);
  if (row.failureReason) add('vps-failed', row.settledAt, row.failureReason);
  add('called-back', row.redeemedAt, row.reasks > 0 ? `after ${row.reasks} re-asks` : 'a callback with the matching verifier');
  if (row.outcome === 'EXPIRED') add('challenge-expired', row.settledAt, `no callback after ${row.reasks} re-asks`);
  if (row.settledAt) {
    const channel = channelFor(row.deadline, row.settledAt);
    add('outcome-recorded', row.settledAt, `${row.outcome === 'EXPIRED' ? 'FAILED' : row.outcome}, for ${channel}`);
  }
  add('outcome-published', row.publishedAt, 'receive-code record sent, and acknowledged by the broker');
  return steps;
}

function partOf(requestId: string, row: Row): SupportPart {
  const facts: Record<string, string> = {
    phoneNumber: maskPhoneNumber(row.phoneNumber),
    deadline: row.deadline.toISOString(),
  };
  if (row.outcome) facts.outcome = row.outcome;
  if (row.state === 'PENDING' && row.expiresAt) facts.challengeExpiresAt = row.expiresAt.toISOString();
  if (row.reasks > 0) facts.reasks = String(row.reasks);
  return { service: SERVICE, requestId, state: row.state, steps: stepsOf(row), facts };
}

export interface SupportPartDeps {
  db: Database;
  logger: Logger;
  /** Unset: the support view is off (its route answers 404). */
  staffToken?: string;
}

/** `GET /admin/requests/{requestId}` on the operations port: this service's own record of one request (staff token). */
export const supportPart: FastifyPluginAsyncTypebox<SupportPartDeps> = async (http, deps) => {
  await registerStaffRoutes(http, deps.staffToken, deps.logger, (admin) => {
    admin.get('/admin/requests/:requestId', { schema: { params: SupportParams, response: { 200: SupportPart } } }, async (request) => {
      const { requestId } = request.params as { requestId: string };
      const [row] = await deps.db.query<Row>(
        `SELECT phone_number AS "phoneNumber", state, deadline, outcome, transform_method AS "transformMethod", reasks,
             expires_at AS "expiresAt", failure_reason AS "failureReason", created_at AS "createdAt", request_published_at AS "requestPublishedAt",
             acknowledged_at AS "acknowledgedAt", redeemed_at AS "redeemedAt", settled_at AS "settledAt", published_at AS "publishedAt"
           FROM vps_requests WHERE request_id = $1`,
        [requestId],
      );
      if (!row) throw problem.notFound(`This service has no record of request ${requestId} (never consumed, or forgotten).`);
      return partOf(requestId, row);
    });
  });
};

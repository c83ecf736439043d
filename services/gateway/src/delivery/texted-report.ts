import type { Database, Queryable } from '@voucher/platform/database';
import { backoffDelay, startPeriodicTask, type PeriodicTask } from '@voucher/platform/lifecycle';
import { repeatedFailureLevel, type Logger } from '@voucher/platform/logging';
import type { VoucherServiceClient } from '../listing/voucher-service-client.ts';
import type { Backlog } from '../metrics.ts';
import { lifeCycle } from './life-cycle.ts';

export interface TextedReportOptions {
  db: Database;
  voucherService: Pick<VoucherServiceClient, 'reportTexted'>;
  /** How often unreported texts are looked for when nobody pokes the task (the delivery worker does, as it texts). */
  pollMs: number;
  batchSize: number;
  /** The longest wait between two reports while voucher-service refuses them. */
  retryMaxMs: number;
  logger: Logger;
}

/**
 * Reports to voucher-service each code the gateway texted, so that the listing, which voucher-service answers alone,
 * says SMS for a code meant for the web whose page had gone. A row is marked once voucher-service has it. A report that
 * fails (voucher-service down) is made again after a backoff; one made twice (two replicas, or a crash between the
 * report and the mark) changes nothing there.
 */
export function startTextedReport({ db, voucherService, pollMs, batchSize, retryMaxMs, logger }: TextedReportOptions): PeriodicTask {
  let failures = 0;
  let retryAt = 0;

  const report = async (texted: Array<{ requestId: string; phoneNumber: string }>): Promise<boolean> => {
    try {
      await voucherService.reportTexted(texted);
      failures = 0;
      return true;
    } catch (error) {
      failures++;
      retryAt = Date.now() + backoffDelay(failures, pollMs, retryMaxMs);
      // The codes reached their customers; only the listing's channel waits, so one line per ten failures is enough.
      logger[repeatedFailureLevel(failures)](
        { err: error, failures, codes: texted.length },
        'texted codes not reported to voucher-service yet; a code meant for the web is listed as WEB until it is',
      );
      return false;
    }
  };

  const runOnce = async () => {
    if (Date.now() < retryAt) return false;
    const texted = await lifeCycle.unreportedTexts(db, batchSize);
    if (texted.length === 0 || !(await report(texted))) return false;
    await lifeCycle.textsReported(
      db,
      texted.map((row) => row.requestId),
    );
    return texted.length === batchSize;
  };
  return startPeriodicTask('texted report', pollMs, runOnce, logger);
}

/**
 * Texted codes voucher-service has not been told of, and how long ago the oldest was texted: the operator's gauge
 * (gateway_texts_unreported). A report normally lands within a poll; a count that grows says voucher-service refuses
 * them (down, or a version behind), and only the listing's channel waits meanwhile.
 */
export async function countUnreportedTexts(db: Queryable): Promise<Backlog> {
  const [row] = await db.query<Backlog>(
    `SELECT count(*)::int AS count, COALESCE(EXTRACT(EPOCH FROM now() - min(updated_at)), 0)::float8 AS "oldestSeconds"
     FROM voucher_requests WHERE state = 'SENT_BY_SMS' AND texted_reported_at IS NULL`,
  );
  return row ?? { count: 0, oldestSeconds: 0 };
}

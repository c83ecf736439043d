import type { Database, Queryable } from '@voucher/platform/database';
import type { VoucherStatus } from '@voucher/contracts';
import type { RequestFacts } from '../outcomes.ts';
import type { TransformMethod } from '../pkce.ts';

/** A request the VPS acknowledged, as stored with its challenge. */
export interface ChallengeRow {
  requestId: string;
  phoneNumber: string;
  deadline: Date;
  state: 'PENDING' | 'SETTLED';
  codeChallenge: string;
  transformMethod: TransformMethod;
  expiresAt: Date;
  redeemedAt: Date | null;
}

export type SaveResult = 'saved' | 'already-known' | 'challenge-taken';

/** A final outcome to record for a request. */
export interface Settlement {
  request: RequestFacts;
  outcome: VoucherStatus;
  now: Date;
}

const challengeColumns = `request_id AS "requestId", phone_number AS "phoneNumber", deadline, state,
  code_challenge AS "codeChallenge", transform_method AS "transformMethod", expires_at AS "expiresAt", redeemed_at AS "redeemedAt"`;

/**
 * The shared record of every request this service handled (PostgreSQL, so all replicas see it). A row is written
 * before the request-code message is acknowledged, which is what makes redelivery harmless.
 */
export class RequestStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#db.transaction(work);
  }

  async isKnown(requestId: string): Promise<boolean> {
    return (await this.#db.query('SELECT 1 FROM vps_requests WHERE request_id = $1', [requestId])).length > 0;
  }

  /**
   * Records a final outcome and runs `publish` in the same transaction: if publishing fails nothing is recorded (the
   * message is retried), and of two handlers racing on one request only the first to insert publishes.
   */
  async settleNew(request: RequestFacts, outcome: VoucherStatus, now: Date, publish: () => Promise<void>): Promise<boolean> {
    const [won] = await this.settleMany([{ request, outcome, now }], publish);
    return won!;
  }

  /**
   * `settleNew` for many requests in one transaction and one INSERT: `publish` gets the settlements this call won
   * (each request is settled once, whoever races for it) and the answer says, per settlement, whether it won.
   */
  async settleMany<S extends Settlement>(settlements: S[], publish: (won: S[]) => Promise<void>): Promise<boolean[]> {
    return this.#db.transaction(async (tx) => {
      const inserted = await tx.query<{ request_id: string }>(
        `INSERT INTO vps_requests (request_id, phone_number, deadline, state, outcome, settled_at)
         SELECT request_id, phone_number, deadline, 'SETTLED', outcome, settled_at
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[])
           AS batch(request_id, phone_number, deadline, outcome, settled_at)
         ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
        [
          settlements.map((s) => s.request.requestId),
          settlements.map((s) => s.request.phoneNumber),
          settlements.map((s) => s.request.deadline.toISOString()),
          settlements.map((s) => s.outcome),
          settlements.map((s) => s.now.toISOString()),
        ],
      );
      const fresh = new Set(inserted.map((row) => row.request_id.toLowerCase()));
      const won = settlements.map((s) => fresh.delete(s.request.requestId.toLowerCase()));
      const winners = settlements.filter((_, index) => won[index]);
      if (winners.length > 0) await publish(winners);
      return won;
    });
  }

  /** Stores the VPS's challenge for a request it acknowledged; durable once this resolves. */
  async savePending(request: RequestFacts, challenge: string, method: TransformMethod, expiresAt: Date): Promise<SaveResult> {
    const inserted = await this.#db.query(
      `INSERT INTO vps_requests (request_id, phone_number, deadline, state, code_challenge, transform_method, expires_at)
       VALUES ($1, $2, $3, 'PENDING', $4, $5, $6) ON CONFLICT DO NOTHING RETURNING request_id`,
      [request.requestId, request.phoneNumber, request.deadline.toISOString(), challenge, method, expiresAt.toISOString()],
    );
    if (inserted.length > 0) return 'saved';
    return (await this.isKnown(request.requestId)) ? 'already-known' : 'challenge-taken';
  }

  /** Locks the row whose stored challenge is one of the candidates (one per method) for the rest of `tx`. */
  async lockChallenge(tx: Queryable, candidates: Record<TransformMethod, string>): Promise<ChallengeRow | undefined> {
    const rows = await tx.query<ChallengeRow>(
      `SELECT ${challengeColumns} FROM vps_requests
       WHERE (transform_method = 'S256' AND code_challenge = $1) OR (transform_method = 'plain' AND code_challenge = $2)
       LIMIT 1 FOR UPDATE`,
      [candidates.S256, candidates.plain],
    );
    return rows[0];
  }

  async markRedeemed(tx: Queryable, requestId: string, outcome: VoucherStatus, now: Date): Promise<void> {
    await tx.query(`UPDATE vps_requests SET state = 'SETTLED', outcome = $2, redeemed_at = $3, settled_at = $3 WHERE request_id = $1`, [
      requestId,
      outcome,
      now.toISOString(),
    ]);
  }

  /**
   * Settles up to `limit` challenges that expired unredeemed, calling `publish` for them inside the transaction.
   * SKIP LOCKED lets several replicas sweep at once without waiting for or repeating each other.
   */
  async expirePending(now: Date, limit: number, publish: (rows: ChallengeRow[]) => Promise<void>): Promise<number> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<ChallengeRow>(
        `SELECT ${challengeColumns} FROM vps_requests WHERE state = 'PENDING' AND expires_at < $1
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now.toISOString(), limit],
      );
      if (rows.length === 0) return 0;
      await publish(rows);
      await tx.query(`UPDATE vps_requests SET state = 'SETTLED', outcome = 'EXPIRED', settled_at = $2 WHERE request_id = ANY($1::uuid[])`, [
        rows.map((row) => row.requestId),
        now.toISOString(),
      ]);
      return rows.length;
    });
  }

  /** Forgets up to `limit` requests settled before `cutoff`. */
  async deleteSettledBefore(cutoff: Date, limit: number): Promise<number> {
    const rows = await this.#db.query(
      `DELETE FROM vps_requests WHERE request_id IN
         (SELECT request_id FROM vps_requests WHERE state = 'SETTLED' AND settled_at < $1 LIMIT $2) RETURNING request_id`,
      [cutoff.toISOString(), limit],
    );
    return rows.length;
  }

  async ping(): Promise<void> {
    await this.#db.query('SELECT 1');
  }
}

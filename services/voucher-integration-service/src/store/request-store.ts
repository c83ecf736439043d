import type { Database, Queryable } from '@voucher/platform/database';
import type { VoucherStatus } from '@voucher/contracts';
import type { RequestFacts } from '../outcomes.ts';
import type { TransformMethod } from '../pkce.ts';

/** A request the VPS acknowledged, as stored with its challenge. */
export interface ChallengeRow {
  requestId: string;
  phoneNumber: string;
  deadline: Date;
  state: 'CALLING' | 'PENDING' | 'SETTLED';
  codeChallenge: string;
  transformMethod: TransformMethod;
  expiresAt: Date;
  redeemedAt: Date | null;
  /** How many times the sweep has asked the VPS again about this challenge. */
  reasks: number;
}

/**
 * What starting a call found: `new` (first sight of the request), `resumed` (a call was recorded but its answer never
 * stored: the process handling it died, so the VPS is asked again under the same requestId) or `known` (the request
 * is waiting for its callback or settled: a redelivery, nothing to do).
 */
export type CallStart = 'new' | 'resumed' | 'known';

export type SaveResult = 'saved' | 'already-known' | 'challenge-taken';

/** A final outcome to record for a request. */
export interface Settlement {
  request: RequestFacts;
  outcome: VoucherStatus;
  now: Date;
}

/** A code the VPS gave when it was asked again about an expired challenge. */
export interface ReaskedCode {
  row: ChallengeRow;
  status: 'SUCCESS' | 'LATE_SUCCESS';
  voucherCode: string;
}

const challengeColumns = `request_id AS "requestId", phone_number AS "phoneNumber", deadline, state,
  code_challenge AS "codeChallenge", transform_method AS "transformMethod", expires_at AS "expiresAt", redeemed_at AS "redeemedAt",
  reasks`;

const challengeMatches = `((transform_method = 'S256' AND code_challenge = $1) OR (transform_method = 'plain' AND code_challenge = $2))`;

/** PostgreSQL's unique_violation on the index that gives each challenge to one request only. */
const isChallengeTaken = (error: unknown) =>
  (error as { code?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'vps_requests_challenge';

/** The first occurrence of each request, so one statement never touches a row twice. */
function firstOfEach<T>(items: T[], idOf: (item: T) => string): { unique: T[]; isFirst: boolean[] } {
  const seen = new Set<string>();
  const isFirst = items.map((item) => {
    const id = idOf(item).toLowerCase();
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return { unique: items.filter((_, index) => isFirst[index]), isFirst };
}

/**
 * The shared record of every request this service handled (PostgreSQL, so all replicas see it). A row is written
 * (state CALLING) before the VPS is called, which is what makes redelivery harmless and lets the callback endpoint tell
 * "not known yet" from "unknown".
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
   * Records, durably and before the VPS is called, that a call for each request is outstanding (state CALLING since
   * `now`). A request already CALLING (its handler died mid-call) is resumed; one PENDING or SETTLED is `known`.
   */
  async beginCalls(requests: RequestFacts[], now: Date): Promise<CallStart[]> {
    const { unique, isFirst } = firstOfEach(requests, (request) => request.requestId);
    const rows = await this.#db.query<{ request_id: string; inserted: boolean }>(
      `INSERT INTO vps_requests (request_id, phone_number, deadline, state, calling_since)
       SELECT request_id, phone_number, deadline, 'CALLING', $4
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS batch(request_id, phone_number, deadline)
       ON CONFLICT (request_id) DO UPDATE SET calling_since = EXCLUDED.calling_since WHERE vps_requests.state = 'CALLING'
       RETURNING request_id, (xmax = 0) AS inserted`,
      [
        unique.map((request) => request.requestId),
        unique.map((request) => request.phoneNumber),
        unique.map((request) => request.deadline.toISOString()),
        now.toISOString(),
      ],
    );
    const started = new Map(rows.map((row) => [row.request_id.toLowerCase(), row.inserted ? ('new' as const) : ('resumed' as const)]));
    // A second copy in one batch (never from one process's per-key queue) waits for the first: it is a redelivery.
    return requests.map((request, index) => (isFirst[index] ? (started.get(request.requestId.toLowerCase()) ?? 'known') : 'known'));
  }

  /**
   * Records a final outcome and runs `publish` in the same transaction: if publishing fails nothing is recorded (the
   * message is retried), and of two handlers racing on one request only the first to settle it publishes.
   */
  async settleNew(request: RequestFacts, outcome: VoucherStatus, now: Date, publish: () => Promise<void>): Promise<boolean> {
    const [won] = await this.settleMany([{ request, outcome, now }], publish);
    return won!;
  }

  /**
   * `settleNew` for many requests in one transaction and one statement: a request is settled if it is new or its call
   * is outstanding (CALLING); `publish` gets the settlements this call won (each request is settled once, whoever
   * races for it) and the answer says, per settlement, whether it won.
   */
  async settleMany<S extends Settlement>(settlements: S[], publish: (won: S[]) => Promise<void>): Promise<boolean[]> {
    const { unique, isFirst } = firstOfEach(settlements, (settlement) => settlement.request.requestId);
    return this.#db.transaction(async (tx) => {
      const settled = await tx.query<{ request_id: string }>(
        `INSERT INTO vps_requests (request_id, phone_number, deadline, state, outcome, settled_at)
         SELECT request_id, phone_number, deadline, 'SETTLED', outcome, settled_at
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[])
           AS batch(request_id, phone_number, deadline, outcome, settled_at)
         ON CONFLICT (request_id) DO UPDATE
           SET state = 'SETTLED', outcome = EXCLUDED.outcome, settled_at = EXCLUDED.settled_at, calling_since = NULL
           WHERE vps_requests.state = 'CALLING'
         RETURNING request_id`,
        [
          unique.map((s) => s.request.requestId),
          unique.map((s) => s.request.phoneNumber),
          unique.map((s) => s.request.deadline.toISOString()),
          unique.map((s) => s.outcome),
          unique.map((s) => s.now.toISOString()),
        ],
      );
      const fresh = new Set(settled.map((row) => row.request_id.toLowerCase()));
      const won = settlements.map((s, index) => isFirst[index]! && fresh.has(s.request.requestId.toLowerCase()));
      const winners = settlements.filter((_, index) => won[index]);
      if (winners.length > 0) await publish(winners);
      return won;
    });
  }

  /**
   * Stores the VPS's challenge for a request it acknowledged (a new request, or one whose call is outstanding);
   * durable once this resolves, and from then on the callback can redeem it.
   */
  async savePending(request: RequestFacts, challenge: string, method: TransformMethod, expiresAt: Date): Promise<SaveResult> {
    try {
      const saved = await this.#db.query(
        `INSERT INTO vps_requests (request_id, phone_number, deadline, state, code_challenge, transform_method, expires_at)
         VALUES ($1, $2, $3, 'PENDING', $4, $5, $6)
         ON CONFLICT (request_id) DO UPDATE
           SET state = 'PENDING', code_challenge = EXCLUDED.code_challenge, transform_method = EXCLUDED.transform_method,
               expires_at = EXCLUDED.expires_at, calling_since = NULL
           WHERE vps_requests.state = 'CALLING'
         RETURNING request_id`,
        [request.requestId, request.phoneNumber, request.deadline.toISOString(), challenge, method, expiresAt.toISOString()],
      );
      return saved.length > 0 ? 'saved' : 'already-known';
    } catch (error) {
      if (isChallengeTaken(error)) return 'challenge-taken';
      throw error;
    }
  }

  /** Locks the row whose stored challenge is one of the candidates (one per method) for the rest of `tx`. */
  async lockChallenge(tx: Queryable, candidates: Record<TransformMethod, string>): Promise<ChallengeRow | undefined> {
    const rows = await tx.query<ChallengeRow>(`SELECT ${challengeColumns} FROM vps_requests WHERE ${challengeMatches} LIMIT 1 FOR UPDATE`, [
      candidates.S256,
      candidates.plain,
    ]);
    return rows[0];
  }

  /**
   * Whether a verifier that matched no stored challenge may still be genuine: some call to the VPS is outstanding (a
   * request's first call, CALLING, or the sweep's re-ask of an expired challenge), so its challenge may be about to be
   * stored; or the challenge has been stored since the lookup. One statement, so one snapshot: a call's outstanding
   * mark and its stored challenge change together, and one of the two is always seen.
   */
  async mayStillBeStored(tx: Queryable, candidates: Record<TransformMethod, string>): Promise<boolean> {
    const [row] = await tx.query<{ outstanding: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM vps_requests WHERE calling_since IS NOT NULL)
           OR EXISTS (SELECT 1 FROM vps_requests WHERE ${challengeMatches}) AS outstanding`,
      [candidates.S256, candidates.plain],
    );
    return row?.outstanding === true;
  }

  async markRedeemed(tx: Queryable, requestId: string, outcome: VoucherStatus, now: Date): Promise<void> {
    await tx.query(
      `UPDATE vps_requests SET state = 'SETTLED', outcome = $2, redeemed_at = $3, settled_at = $3, calling_since = NULL
       WHERE request_id = $1`,
      [requestId, outcome, now.toISOString()],
    );
  }

  /**
   * Takes up to `limit` requests whose call has been outstanding since before `staleBefore` (its handler died and the
   * message has not been redelivered, or its consumer is cut off from the broker) and renews their mark to `now`, so
   * that the caller can finish the call; SKIP LOCKED and the renewed mark keep other replicas off them meanwhile.
   */
  async claimAbandonedCalls(now: Date, staleBefore: Date, limit: number): Promise<RequestFacts[]> {
    return this.#db.query<RequestFacts>(
      `UPDATE vps_requests SET calling_since = $1
       WHERE request_id IN (
         SELECT request_id FROM vps_requests WHERE state = 'CALLING' AND calling_since < $2
         ORDER BY calling_since LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING request_id AS "requestId", phone_number AS "phoneNumber", deadline`,
      [now.toISOString(), staleBefore.toISOString(), limit],
    );
  }

  /**
   * Takes up to `limit` challenges that expired unredeemed but may still be asked about (fewer than `maxReasks`
   * re-asks so far) and marks a call outstanding for each. Their expiry moves to `leaseUntil`, so no other replica
   * re-asks them meanwhile, and a sweep that dies mid-ask leaves them to a later one. The re-ask is counted only once
   * it has been answered without a code (`extendWait`).
   */
  async claimForReask(now: Date, leaseUntil: Date, maxReasks: number, limit: number): Promise<ChallengeRow[]> {
    return this.#db.query<ChallengeRow>(
      `UPDATE vps_requests SET calling_since = $1, expires_at = $2
       WHERE request_id IN (
         SELECT request_id FROM vps_requests WHERE state = 'PENDING' AND expires_at < $1 AND reasks < $3
         ORDER BY expires_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING ${challengeColumns}`,
      [now.toISOString(), leaseUntil.toISOString(), maxReasks, limit],
    );
  }

  /**
   * Settles re-asked requests with the codes the VPS gave, publishing them inside the transaction; a request the
   * callback redeemed meanwhile is left alone (its row lock orders the two). Returns how many were settled here.
   */
  async settleReasked(codes: ReaskedCode[], now: Date, publish: (won: ReaskedCode[]) => Promise<void>): Promise<number> {
    if (codes.length === 0) return 0;
    return this.#db.transaction(async (tx) => {
      const locked = await tx.query<{ request_id: string }>(
        `SELECT request_id FROM vps_requests WHERE request_id = ANY($1::uuid[]) AND state = 'PENDING' AND redeemed_at IS NULL FOR UPDATE`,
        [codes.map((code) => code.row.requestId)],
      );
      const open = new Set(locked.map((row) => row.request_id.toLowerCase()));
      const { unique } = firstOfEach(
        codes.filter((code) => open.has(code.row.requestId.toLowerCase())),
        (code) => code.row.requestId,
      );
      if (unique.length === 0) return 0;
      await publish(unique);
      await tx.query(
        `UPDATE vps_requests AS r SET state = 'SETTLED', outcome = batch.outcome, redeemed_at = $3, settled_at = $3, calling_since = NULL
         FROM unnest($1::uuid[], $2::text[]) AS batch(request_id, outcome) WHERE r.request_id = batch.request_id`,
        [unique.map((code) => code.row.requestId), unique.map((code) => code.status), now.toISOString()],
      );
      return unique.length;
    });
  }

  /**
   * After a re-ask that brought no code: counts it, and waits for the callback until `expiresAt`. A challenge the VPS
   * gave this time replaces the stored one (the VPS's latest word on this requestId); one that belongs to another
   * request is ignored.
   */
  async extendWait(
    requestId: string,
    expiresAt: Date,
    challenge?: { codeChallenge: string; transformMethod: TransformMethod },
  ): Promise<void> {
    const update = (withChallenge: boolean) =>
      this.#db.query(
        `UPDATE vps_requests SET reasks = reasks + 1, expires_at = $2, calling_since = NULL
           ${withChallenge ? ', code_challenge = $3, transform_method = $4' : ''}
         WHERE request_id = $1 AND state = 'PENDING'`,
        withChallenge
          ? [requestId, expiresAt.toISOString(), challenge!.codeChallenge, challenge!.transformMethod]
          : [requestId, expiresAt.toISOString()],
      );
    try {
      await update(challenge !== undefined);
    } catch (error) {
      if (!isChallengeTaken(error)) throw error;
      await update(false);
    }
  }

  /**
   * Settles up to `limit` challenges that expired unredeemed after every re-ask (`maxReasks`), calling `publish` for
   * them inside the transaction. SKIP LOCKED lets several replicas sweep at once without waiting for or repeating
   * each other.
   */
  async expirePending(now: Date, limit: number, publish: (rows: ChallengeRow[]) => Promise<void>, maxReasks = 0): Promise<number> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<ChallengeRow>(
        `SELECT ${challengeColumns} FROM vps_requests WHERE state = 'PENDING' AND expires_at < $1 AND reasks >= $3
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now.toISOString(), limit, maxReasks],
      );
      if (rows.length === 0) return 0;
      await publish(rows);
      await tx.query(
        `UPDATE vps_requests SET state = 'SETTLED', outcome = 'EXPIRED', settled_at = $2, calling_since = NULL WHERE request_id = ANY($1::uuid[])`,
        [rows.map((row) => row.requestId), now.toISOString()],
      );
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

import { createHash } from 'node:crypto';
import type { Database, Queryable } from '@voucher/platform/database';
import type { ReceiveCodeMessage, VoucherStatus } from '@voucher/contracts';
import { currentTraceContext, type TraceContext } from '@voucher/platform/telemetry';
import { receiveCodeMessage, type RequestFacts } from '../outcomes.ts';
import { insertRecords, outbox, rowsAdded, type AddedRecord, type OutboxEntry, type OutboxRow } from '../outbox/outbox.ts';
import { challengeDigest, type TransformMethod } from '../pkce.ts';

/** A request the VPS acknowledged, as stored with its challenge. */
export interface ChallengeRow {
  requestId: string;
  phoneNumber: string;
  deadline: Date;
  state: 'CALLING' | 'PENDING' | 'SETTLED';
  transformMethod: TransformMethod;
  expiresAt: Date;
  redeemedAt: Date | null;
  /** How many times the sweep has asked the VPS again about this challenge. */
  reasks: number;
  /** The trace (and requestId) of the request-code handling that stored the challenge: its callback continues it. */
  traceContext: TraceContext | null;
}

/**
 * What starting a call found: `new` (first sight of the request), `resumed` (a call was recorded but its answer never
 * stored: the process handling it died, so the VPS is asked again under the same requestId) or `known` (the request
 * is waiting for its callback or settled: a redelivery, nothing to do).
 */
export type CallStart = 'new' | 'resumed' | 'known';

export type SaveResult = 'saved' | 'already-known' | 'challenge-taken';

/** A final outcome to record for a request: what the VPS answered (no code for FAILED), known at `now`. */
export interface Outcome {
  request: RequestFacts;
  status: VoucherStatus;
  voucherCode?: string;
  now: Date;
  /** The trace its receive-code record continues (see outbox.add); none: a trace of its own. */
  traceContext?: TraceContext | null;
  /** Why a FAILED outcome failed, for the support view (never a code). */
  reason?: string;
}

/** A request whose call to the VPS begins, with when its request-code record was made (its Kafka timestamp), if known. */
export type CallRequest = RequestFacts & { publishedAt?: Date };

/** The failure_reason of a request whose code the VPS had already issued to another request. */
const CODE_REUSED = 'the VPS had issued this code to another request';

/** What the store tells the rest of the service once a transaction that recorded outcomes has committed. */
export interface StoreEvents {
  /**
   * receive-code records were committed to the outbox: the relay should publish them now (held for this process when
   * the store was made with `outboxHoldMs`; otherwise due to any relay, which should look now).
   */
  outboxWritten?: (rows: OutboxRow[]) => void;
  /** The request was settled FAILED because the VPS had already issued its code to another request. */
  codeReused?: (requestId: string) => void;
}

/** What one transaction did that others hear of only once it has committed. */
interface Effects {
  written: OutboxRow[];
  reused: string[];
}

export interface RequestStoreOptions {
  /**
   * How long the receive-code records a transaction adds are held for this process's relay to publish right after the
   * commit (its OUTBOX_LEASE_MS); 0: due at once, to whichever relay looks first.
   */
  outboxHoldMs?: number;
}

/** A code the VPS gave when it was asked again about an expired challenge. */
export interface ReaskedCode {
  row: ChallengeRow;
  status: 'SUCCESS' | 'LATE_SUCCESS';
  voucherCode: string;
}

const challengeColumns = `request_id AS "requestId", phone_number AS "phoneNumber", deadline, state,
  transform_method AS "transformMethod", expires_at AS "expiresAt", redeemed_at AS "redeemedAt",
  reasks, trace_context AS "traceContext"`;

/** A stored challenge whose digest is the verifier's, per method ($1 S256, $2 plain): see digestsForVerifier. */
const challengeMatches = `((transform_method = 'S256' AND challenge_digest = $1) OR (transform_method = 'plain' AND challenge_digest = $2))`;

/** The key under which a voucher code is claimed: its SHA-256 digest (the code itself is not kept). */
const codeDigest = (voucherCode: string) => createHash('sha256').update(voucherCode, 'utf8').digest('hex');
const idOf = (outcome: Outcome) => outcome.request.requestId.toLowerCase();
/** Whether an outcome's code is claimed for its request: every outcome that carries a code to the customer. */
const claimsCode = (outcome: Outcome) => outcome.status !== 'FAILED' && outcome.voucherCode !== undefined;

/**
 * A settled row's columns, one array each ($1..$6 of both settle statements): request_id, phone_number, deadline,
 * outcome, settled_at, failure_reason.
 */
const settledRowColumns = (outcomes: Outcome[]) => [
  outcomes.map((o) => o.request.requestId),
  outcomes.map((o) => o.request.phoneNumber),
  outcomes.map((o) => o.request.deadline.toISOString()),
  outcomes.map((o) => o.status),
  outcomes.map((o) => o.now.toISOString()),
  outcomes.map((o) => (o.status === 'FAILED' ? (o.reason ?? null) : null)),
];

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
 * settleMany's common case in one statement, run on its own (one round trip): for outcomes whose call is outstanding
 * (CALLING, as the handler left it), claims each code, moves each row to SETTLED and adds each receive-code record to
 * the outbox, all committed together. The CTEs share one snapshot, so a claim that lost (ON CONFLICT DO NOTHING waits
 * for a concurrent claim of the code, then yields to it) cannot read here who holds the code: another request (a
 * reuse), or this one (its own code claimed again). Such an outcome, and one for a request never seen, is left as it
 * was (no row moved, no record) and returned for settleMany's transaction: every row this moves has its record.
 * Parameters, per outcome in batch order: $1..$6 as the row takes them, $7 the code's digest in hex (NULL: none
 * claimed), $8 the outbox entries (a JSON array); $9 the hold (ms). Returns a row per record added (AddedRecord), and
 * the requestId alone of each outcome left.
 */
const settleAtOnceSql = `
  WITH batch AS (
    SELECT batch.*, decode(digest, 'hex') AS code_digest
    FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[], $6::text[], $7::text[])
      WITH ORDINALITY AS batch(request_id, phone_number, deadline, outcome, settled_at, failure_reason, digest, n)
  ),
  -- Each request's row as it stands (NULL: none), locked as the transaction's upsert would lock it: in request order,
  -- one primary-key probe each; a row changed meanwhile is read anew. Locked, a CALLING row is moved by nothing else
  -- while its code is claimed, so every claim made here is for a row this statement then moves.
  current AS MATERIALIZED (
    SELECT request_id, (SELECT state FROM vps_requests AS stored WHERE stored.request_id = sorted.request_id FOR UPDATE) AS state
    FROM (SELECT request_id FROM batch ORDER BY request_id) AS sorted
  ),
  calling AS (SELECT batch.* FROM batch JOIN current USING (request_id) WHERE current.state = 'CALLING'),
  -- In digest order (as #claimCodes), so that claims of the same codes never wait for each other in a circle.
  claimed AS (
    INSERT INTO issued_codes (code_digest, request_id)
    SELECT code_digest, request_id FROM calling WHERE code_digest IS NOT NULL ORDER BY code_digest, n
    ON CONFLICT (code_digest) DO NOTHING
    RETURNING request_id
  ),
  contested AS (
    SELECT request_id FROM calling WHERE code_digest IS NOT NULL AND request_id NOT IN (SELECT request_id FROM claimed)
  ),
  moved AS (
    UPDATE vps_requests AS stored
    SET state = 'SETTLED', outcome = calling.outcome, settled_at = calling.settled_at, calling_since = NULL,
        failure_reason = calling.failure_reason
    FROM calling WHERE stored.request_id = calling.request_id AND calling.request_id NOT IN (SELECT request_id FROM contested)
    RETURNING stored.request_id
  ),
  settled_entries AS (
    SELECT entry.e, entry.n FROM jsonb_array_elements($8::jsonb) WITH ORDINALITY AS entry(e, n)
    JOIN batch USING (n) JOIN moved USING (request_id)
  ),
  recorded AS (${insertRecords('settled_entries', '$9')})
  SELECT id, attempts, "requestId" FROM recorded
  UNION ALL
  SELECT NULL, NULL, request_id::text FROM contested
  UNION ALL
  SELECT NULL, NULL, request_id::text FROM current WHERE state IS NULL`;

/**
 * The shared record of every request this service handled (PostgreSQL, so all replicas see it). A row is written
 * (state CALLING) before the VPS is called, which is what makes redelivery harmless and lets the callback endpoint tell
 * "not known yet" from "unknown".
 *
 * Every way a request ends (the VPS's immediate answer, a callback, a re-ask, an expiry) records its outcome through
 * `#recordOutcomes`, in the transaction that moves the row: the code is claimed for the request (a code the VPS already
 * gave another request turns the outcome into FAILED), and the receive-code record is added to the outbox. The VPS's
 * immediate answers, the common case, do the same in one statement (settleAtOnceSql). Nothing in here waits on the
 * broker; the outbox relay publishes after the commit.
 */
export class RequestStore {
  readonly #db: Database;
  readonly #events: StoreEvents;
  readonly #effects = new WeakMap<Queryable, Effects>();
  readonly #outboxHoldMs: number;

  constructor(db: Database, events: StoreEvents = {}, options: RequestStoreOptions = {}) {
    this.#db = db;
    this.#events = events;
    this.#outboxHoldMs = options.outboxHoldMs ?? 0;
  }

  /** Runs `work` in one transaction; outcomes it records are announced (StoreEvents) once it has committed. */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const effects: Effects = { written: [], reused: [] };
    const result = await this.#db.transaction((tx) => {
      this.#effects.set(tx, effects);
      return work(tx);
    });
    for (const requestId of effects.reused) this.#events.codeReused?.(requestId);
    if (effects.written.length > 0) this.#events.outboxWritten?.(effects.written);
    return result;
  }

  /**
   * Records final outcomes inside `tx` (a RequestStore transaction whose rows for these requests are already moved or
   * locked): claims each code for its request, and adds each outcome's receive-code record to the outbox. Returns the
   * records in order; one whose code belongs to another request is FAILED and carries no code.
   */
  async #recordOutcomes(tx: Queryable, outcomes: Outcome[]): Promise<ReceiveCodeMessage[]> {
    const effects = this.#effects.get(tx);
    if (!effects) throw new Error('outcomes are recorded only inside RequestStore.transaction');
    const reused = await this.#claimCodes(tx, outcomes.filter(claimsCode));
    const messages = outcomes.map((outcome) =>
      reused.has(idOf(outcome))
        ? receiveCodeMessage(outcome.request, 'FAILED', undefined, outcome.now)
        : receiveCodeMessage(outcome.request, outcome.status, outcome.voucherCode, outcome.now),
    );
    const written = await outbox.add(
      tx,
      messages.map((message, index) => ({ message, traceContext: outcomes[index]!.traceContext ?? {} })),
      this.#outboxHoldMs,
    );
    effects.written.push(...written);
    effects.reused.push(...outcomes.filter((outcome) => reused.has(idOf(outcome))).map((outcome) => outcome.request.requestId));
    return messages;
  }

  /**
   * Claims each outcome's code for its request (one request per outcome); returns the requests whose code another
   * request already holds. ON CONFLICT DO NOTHING waits for a concurrent claim of the same code and yields to it if it
   * commits; the owners of the codes not claimed are then read in a statement of their own, which sees that commit.
   * Claims go in digest order, so two transactions claiming the same codes never wait for each other in a circle.
   */
  async #claimCodes(tx: Queryable, outcomes: Outcome[]): Promise<Set<string>> {
    if (outcomes.length === 0) return new Set();
    const claims = outcomes
      .map((outcome) => ({ requestId: idOf(outcome), digest: codeDigest(outcome.voucherCode!) }))
      .sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
    const claimed = await tx.query<{ request_id: string }>(
      `INSERT INTO issued_codes (code_digest, request_id)
       SELECT decode(digest, 'hex'), request_id FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS claim(digest, request_id, n) ORDER BY n
       ON CONFLICT (code_digest) DO NOTHING
       RETURNING request_id`,
      [claims.map((claim) => claim.digest), claims.map((claim) => claim.requestId)],
    );
    const won = new Set(claimed.map((row) => row.request_id.toLowerCase()));
    const contested = claims.filter((claim) => !won.has(claim.requestId));
    if (contested.length === 0) return new Set();
    const owners = await tx.query<{ digest: string; request_id: string }>(
      `SELECT encode(code_digest, 'hex') AS digest, request_id FROM issued_codes
       WHERE code_digest = ANY (SELECT decode(digest, 'hex') FROM unnest($1::text[]) AS contested(digest))`,
      [contested.map((claim) => claim.digest)],
    );
    const ownerOf = new Map(owners.map((row) => [row.digest, row.request_id.toLowerCase()]));
    // The same request claiming its own code again (a request forgotten after RECORD_RETENTION_MS and asked again) is not a reuse.
    return new Set(contested.filter((claim) => ownerOf.get(claim.digest) !== claim.requestId).map((claim) => claim.requestId));
  }

  /**
   * Records, durably and before the VPS is called, that a call for each request is outstanding (state CALLING since
   * `now`). A request already CALLING (its handler died mid-call) is resumed; one PENDING or SETTLED is `known`.
   */
  async beginCalls(requests: CallRequest[], now: Date): Promise<CallStart[]> {
    const { unique, isFirst } = firstOfEach(requests, (request) => request.requestId);
    const rows = await this.#db.query<{ request_id: string; inserted: boolean }>(
      `INSERT INTO vps_requests (request_id, phone_number, deadline, state, calling_since, request_published_at)
       SELECT request_id, phone_number, deadline, 'CALLING', $4, published_at
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $5::timestamptz[]) AS batch(request_id, phone_number, deadline, published_at)
       ON CONFLICT (request_id) DO UPDATE SET calling_since = EXCLUDED.calling_since WHERE vps_requests.state = 'CALLING'
       RETURNING request_id, (xmax = 0) AS inserted`,
      [
        unique.map((request) => request.requestId),
        unique.map((request) => request.phoneNumber),
        unique.map((request) => request.deadline.toISOString()),
        now.toISOString(),
        unique.map((request) => request.publishedAt?.toISOString() ?? null),
      ],
      { prepare: true },
    );
    const started = new Map(rows.map((row) => [row.request_id.toLowerCase(), row.inserted ? ('new' as const) : ('resumed' as const)]));
    // A second copy in one batch (never from one process's per-key queue) waits for the first: it is a redelivery.
    return requests.map((request, index) => (isFirst[index] ? (started.get(request.requestId.toLowerCase()) ?? 'known') : 'known'));
  }

  /**
   * Records a final outcome for a new request, or one whose call is outstanding, with its receive-code record in the
   * outbox; of several handlers racing on one request only the first settles it. Returns the record, or undefined
   * when the request was settled (or is waiting for its callback) already.
   */
  async settleNew(outcome: Outcome): Promise<ReceiveCodeMessage | undefined> {
    const [message] = await this.settleMany([outcome]);
    return message;
  }

  /**
   * `settleNew` for many requests: a request is settled if it is new or its call is outstanding (CALLING), each once,
   * whoever races for it. The answer gives, per outcome, the receive-code record it committed (FAILED if its code
   * belongs to another request), or undefined when another settlement won. Outcomes whose call is outstanding take one
   * statement; only a new request, or an outcome whose code another settlement claimed first, takes a transaction.
   */
  async settleMany(outcomes: Outcome[]): Promise<Array<ReceiveCodeMessage | undefined>> {
    const { unique, isFirst } = firstOfEach(outcomes, (outcome) => outcome.request.requestId);
    const { recorded, left } = await this.#settleAtOnce(unique);
    for (const message of await this.#settleInTransaction(left)) recorded.set(message.requestId.toLowerCase(), message);
    return outcomes.map((outcome, index) => (isFirst[index] ? recorded.get(idOf(outcome)) : undefined));
  }

  /**
   * Settles the outcomes (one per request) whose call is outstanding and whose code claim wins (or that claim none),
   * with their records, in one statement (settleAtOnceSql). Returns their records, and the outcomes it left untouched
   * for #settleInTransaction.
   */
  async #settleAtOnce(outcomes: Outcome[]): Promise<{ recorded: Map<string, ReceiveCodeMessage>; left: Outcome[] }> {
    if (outcomes.length === 0) return { recorded: new Map(), left: [] };
    // Only a claim that lost can turn an outcome into FAILED, and such an outcome is left: each record is as answered.
    const entries: OutboxEntry[] = outcomes.map((outcome) => ({
      message: receiveCodeMessage(outcome.request, outcome.status, outcome.voucherCode, outcome.now),
      traceContext: outcome.traceContext ?? {},
    }));
    const rows = await this.#db.query<{ id: string | null; attempts: number | null; requestId: string }>(
      settleAtOnceSql,
      [
        ...settledRowColumns(outcomes),
        outcomes.map((o) => (claimsCode(o) ? codeDigest(o.voucherCode!) : null)),
        JSON.stringify(entries),
        this.#outboxHoldMs,
      ],
      { prepare: true },
    );
    const written = rowsAdded(
      rows.filter((row): row is AddedRecord => row.id !== null),
      entries,
    );
    // The statement ran on its own: it has committed.
    if (written.length > 0) this.#events.outboxWritten?.(written);
    const left = new Set(rows.filter((row) => row.id === null).map((row) => row.requestId.toLowerCase()));
    return {
      recorded: new Map(written.map((row) => [row.message.requestId.toLowerCase(), row.message])),
      left: outcomes.filter((outcome) => left.has(idOf(outcome))),
    };
  }

  /**
   * Settles outcomes (one per request) in one transaction, statement by statement: each row is moved (inserted for a
   * new request) if it is new or still CALLING, then #recordOutcomes claims the codes, and its second statement, which
   * sees a winning claim's commit, tells a code another request holds (FAILED) from this request's own. Returns the
   * records committed.
   */
  async #settleInTransaction(outcomes: Outcome[]): Promise<ReceiveCodeMessage[]> {
    if (outcomes.length === 0) return [];
    return this.transaction(async (tx) => {
      const settled = await tx.query<{ request_id: string }>(
        `INSERT INTO vps_requests (request_id, phone_number, deadline, state, outcome, settled_at, failure_reason)
         SELECT request_id, phone_number, deadline, 'SETTLED', outcome, settled_at, failure_reason
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[], $6::text[])
           AS batch(request_id, phone_number, deadline, outcome, settled_at, failure_reason)
         ORDER BY request_id -- the order settleAtOnceSql locks rows in
         ON CONFLICT (request_id) DO UPDATE
           SET state = 'SETTLED', outcome = EXCLUDED.outcome, settled_at = EXCLUDED.settled_at, calling_since = NULL,
               failure_reason = EXCLUDED.failure_reason
           WHERE vps_requests.state = 'CALLING'
         RETURNING request_id`,
        settledRowColumns(outcomes),
      );
      const fresh = new Set(settled.map((row) => row.request_id.toLowerCase()));
      const won = outcomes.filter((outcome) => fresh.has(idOf(outcome)));
      const messages = await this.#recordOutcomes(tx, won);
      // A row settled with a code that turned out to be another request's says FAILED, as its record does.
      const reused = won.filter((outcome, index) => messages[index]!.status !== outcome.status);
      if (reused.length > 0) {
        await tx.query(`UPDATE vps_requests SET outcome = 'FAILED', failure_reason = $2 WHERE request_id = ANY($1::uuid[])`, [
          reused.map((outcome) => outcome.request.requestId),
          CODE_REUSED,
        ]);
      }
      return messages;
    });
  }

  /**
   * Stores the VPS's challenge for a request it acknowledged (a new request, or one whose call is outstanding), as its
   * SHA-256 digest only, with the trace context of the handling that stored it (the callback joins that trace); durable
   * once this resolves, and from then on the callback can redeem it.
   */
  async savePending(request: RequestFacts, challenge: string, method: TransformMethod, expiresAt: Date): Promise<SaveResult> {
    try {
      const saved = await this.#db.query(
        `INSERT INTO vps_requests (request_id, phone_number, deadline, state, challenge_digest, transform_method, expires_at, trace_context,
           acknowledged_at)
         VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, $7, now())
         ON CONFLICT (request_id) DO UPDATE
           SET state = 'PENDING', challenge_digest = EXCLUDED.challenge_digest, transform_method = EXCLUDED.transform_method,
               expires_at = EXCLUDED.expires_at, calling_since = NULL, trace_context = EXCLUDED.trace_context,
               acknowledged_at = EXCLUDED.acknowledged_at
           WHERE vps_requests.state = 'CALLING'
         RETURNING request_id`,
        [
          request.requestId,
          request.phoneNumber,
          request.deadline.toISOString(),
          challengeDigest(challenge),
          method,
          expiresAt.toISOString(),
          JSON.stringify(currentTraceContext()),
        ],
      );
      return saved.length > 0 ? 'saved' : 'already-known';
    } catch (error) {
      if (isChallengeTaken(error)) return 'challenge-taken';
      throw error;
    }
  }

  /**
   * The cheap check before a callback's transaction, without locking anything: is a challenge with one of these
   * digests stored (`stored`), or, if not, may it still be (`outstanding`: some call to the VPS is in progress), or is
   * the verifier simply unknown (`none`)? A forged callback is then answered without opening a transaction.
   */
  async challengeLookup(candidates: Record<TransformMethod, Buffer>): Promise<'stored' | 'outstanding' | 'none'> {
    const [row] = await this.#db.query<{ stored: boolean; calling: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM vps_requests WHERE ${challengeMatches}) AS stored,
              EXISTS (SELECT 1 FROM vps_requests WHERE calling_since IS NOT NULL) AS calling`,
      [candidates.S256, candidates.plain],
    );
    return row?.stored ? 'stored' : row?.calling ? 'outstanding' : 'none';
  }

  /** Whether a signed callback with this webhook-id already got a final answer. */
  async webhookIdSeen(id: string): Promise<boolean> {
    return (await this.#db.query('SELECT 1 FROM callback_webhook_ids WHERE webhook_id = $1', [id])).length > 0;
  }

  /** Remembers a webhook-id whose callback got a final answer, so that the same signed callback is not taken again. */
  async rememberWebhookId(id: string, now: Date): Promise<void> {
    await this.#db.query('INSERT INTO callback_webhook_ids (webhook_id, seen_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      id,
      now.toISOString(),
    ]);
  }

  /** Forgets up to `limit` webhook-ids seen before `cutoff` (their signatures have expired). */
  async forgetWebhookIdsBefore(cutoff: Date, limit: number): Promise<number> {
    const rows = await this.#db.query(
      `DELETE FROM callback_webhook_ids WHERE webhook_id IN
         (SELECT webhook_id FROM callback_webhook_ids WHERE seen_at < $1 LIMIT $2) RETURNING webhook_id`,
      [cutoff.toISOString(), limit],
    );
    return rows.length;
  }

  /** Locks the row whose stored challenge digest is one of the candidates (one per method) for the rest of `tx`. */
  async lockChallenge(tx: Queryable, candidates: Record<TransformMethod, Buffer>): Promise<ChallengeRow | undefined> {
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
  async mayStillBeStored(tx: Queryable, candidates: Record<TransformMethod, Buffer>): Promise<boolean> {
    const [row] = await tx.query<{ outstanding: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM vps_requests WHERE calling_since IS NOT NULL)
           OR EXISTS (SELECT 1 FROM vps_requests WHERE ${challengeMatches}) AS outstanding`,
      [candidates.S256, candidates.plain],
    );
    return row?.outstanding === true;
  }

  /**
   * Settles the request of a challenge locked in `tx` (lockChallenge) with the code its callback carried, and marks the
   * challenge used. Returns the receive-code record committed with it (FAILED if the code belongs to another request).
   */
  async redeem(
    tx: Queryable,
    row: ChallengeRow,
    status: 'SUCCESS' | 'LATE_SUCCESS',
    voucherCode: string,
    now: Date,
  ): Promise<ReceiveCodeMessage> {
    const [message] = await this.#recordOutcomes(tx, [{ request: row, status, voucherCode, now, traceContext: currentTraceContext() }]);
    await tx.query(
      `UPDATE vps_requests SET state = 'SETTLED', outcome = $2, redeemed_at = $3, settled_at = $3, calling_since = NULL,
         failure_reason = CASE WHEN $2 = 'FAILED' THEN $4 END
       WHERE request_id = $1`,
      [row.requestId, message!.status, now.toISOString(), CODE_REUSED],
    );
    return message!;
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
   * Settles re-asked requests with the codes the VPS gave, their receive-code records in the outbox; a request the
   * callback redeemed meanwhile is left alone (its row lock orders the two). Returns how many were settled here.
   */
  async settleReasked(codes: ReaskedCode[], now: Date): Promise<number> {
    if (codes.length === 0) return 0;
    return this.transaction(async (tx) => {
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
      const messages = await this.#recordOutcomes(
        tx,
        unique.map((code) => ({
          request: code.row,
          status: code.status,
          voucherCode: code.voucherCode,
          now,
          traceContext: code.row.traceContext,
        })),
      );
      await tx.query(
        `UPDATE vps_requests AS r SET state = 'SETTLED', outcome = batch.outcome, redeemed_at = $3, settled_at = $3, calling_since = NULL,
           failure_reason = CASE WHEN batch.outcome = 'FAILED' THEN $4 END
         FROM unnest($1::uuid[], $2::text[]) AS batch(request_id, outcome) WHERE r.request_id = batch.request_id`,
        [messages.map((message) => message.requestId), messages.map((message) => message.status), now.toISOString(), CODE_REUSED],
      );
      return unique.length;
    });
  }

  /**
   * After a re-ask that brought no code: counts it (unless `counted` is false: the VPS never answered it), and waits
   * for the callback until `expiresAt`. A challenge the VPS gave this time replaces the stored one (the VPS's latest
   * word on this requestId); one that belongs to another request is ignored.
   */
  async extendWait(
    requestId: string,
    expiresAt: Date,
    challenge?: { codeChallenge: string; transformMethod: TransformMethod },
    { counted = true } = {},
  ): Promise<void> {
    const update = (withChallenge: boolean) =>
      this.#db.query(
        `UPDATE vps_requests SET reasks = reasks + ${counted ? 1 : 0}, expires_at = $2, calling_since = NULL
           ${withChallenge ? ', challenge_digest = $3, transform_method = $4' : ''}
         WHERE request_id = $1 AND state = 'PENDING'`,
        withChallenge
          ? [requestId, expiresAt.toISOString(), challengeDigest(challenge!.codeChallenge), challenge!.transformMethod]
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
   * Settles up to `limit` challenges that expired unredeemed after every re-ask (`maxReasks`) FAILED, their
   * receive-code records in the outbox. SKIP LOCKED lets several replicas sweep at once without waiting for or
   * repeating each other.
   */
  async expirePending(now: Date, limit: number, maxReasks = 0): Promise<number> {
    return this.transaction(async (tx) => {
      const rows = await tx.query<ChallengeRow>(
        `SELECT ${challengeColumns} FROM vps_requests WHERE state = 'PENDING' AND expires_at < $1 AND reasks >= $3
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now.toISOString(), limit, maxReasks],
      );
      if (rows.length === 0) return 0;
      await this.#recordOutcomes(
        tx,
        rows.map((row) => ({ request: row, status: 'FAILED' as const, now, traceContext: row.traceContext })),
      );
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

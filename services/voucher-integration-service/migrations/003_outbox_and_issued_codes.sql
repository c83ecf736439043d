-- Issue 10: no database transaction waits on the broker.
-- The receive-code record an outcome produces is written here in the same transaction as the outcome itself; the
-- outbox relay (on every replica) publishes it afterwards and deletes it. due_at is when a relay may take the row:
-- now() for a new record, the end of its lease while a relay is publishing it, the next attempt after a failed
-- publish. A relay that dies between publishing and deleting leaves the row to be published again after its lease;
-- every consumer of receive-code is idempotent on requestId.
CREATE TABLE IF NOT EXISTS outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id uuid NOT NULL,
  -- The receive-code message as it will be published (its key is message->>'phoneNumber').
  message jsonb NOT NULL,
  due_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS outbox_due ON outbox (due_at);

-- A voucher code belongs to one request. Every code an outcome would carry is claimed here first (the digest is the
-- primary key: INSERT ... ON CONFLICT DO NOTHING waits for a concurrent claim of the same code and then yields to it);
-- a request whose code another request already holds is settled FAILED instead. Only the SHA-256 digest is kept, and
-- it is kept after its request is forgotten (RECORD_RETENTION_MS), as the gateway keeps its own.
CREATE TABLE IF NOT EXISTS issued_codes (
  code_digest bytea PRIMARY KEY,
  request_id uuid NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now()
);

-- The customer's delivery as one state column with a due time (see src/delivery/life-cycle.ts):
-- PROCESSING, UNCONFIRMED, WEB_READY, SMS_PENDING, DELIVERED, SENT_BY_SMS, FAILED, ABANDONED.
-- due_at: when the pending work of WEB_READY (hand-off to SMS) or SMS_PENDING (the next send) is due.
-- notified_via, channel and page_opened_at are folded into the state and go.
ALTER TABLE voucher_requests DROP CONSTRAINT IF EXISTS voucher_requests_state_check;
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS due_at timestamptz;
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS sms_attempts integer NOT NULL DEFAULT 0;
UPDATE voucher_requests SET state = 'WEB_READY', due_at = now() WHERE state = 'CODE_READY';
UPDATE voucher_requests SET state = 'SMS_PENDING', due_at = now() WHERE state = 'FAILED' AND notified_via IS NULL;
ALTER TABLE voucher_requests ADD CONSTRAINT voucher_requests_state_check CHECK (state IN
  ('PROCESSING', 'UNCONFIRMED', 'WEB_READY', 'SMS_PENDING', 'DELIVERED', 'SENT_BY_SMS', 'FAILED', 'ABANDONED'));
ALTER TABLE voucher_requests DROP COLUMN IF EXISTS notified_via;
ALTER TABLE voucher_requests DROP COLUMN IF EXISTS channel;
ALTER TABLE voucher_requests DROP COLUMN IF EXISTS page_opened_at;
-- The delivery worker's two queues: hand-offs and sends that are due.
CREATE INDEX IF NOT EXISTS voucher_requests_due_idx ON voucher_requests (due_at) WHERE state IN ('WEB_READY', 'SMS_PENDING');
DROP INDEX IF EXISTS voucher_requests_processing_deadline_idx;
CREATE INDEX IF NOT EXISTS voucher_requests_waiting_deadline_idx ON voucher_requests (deadline) WHERE state IN ('PROCESSING', 'UNCONFIRMED');
-- A code belongs to one request: the digest of every code the gateway has taken, kept after the code itself is gone.
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS code_digest bytea;
CREATE UNIQUE INDEX IF NOT EXISTS voucher_requests_code_digest_idx ON voucher_requests (code_digest);

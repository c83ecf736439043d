-- When the gateway stopped waiting for a request's outcome (long past its deadline) and told the customer it failed.
-- Such a FAILED row still takes a code that arrives later, which then goes by SMS: a code is money and is never dropped.
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS gave_up_at timestamptz;
CREATE INDEX IF NOT EXISTS voucher_requests_processing_deadline_idx ON voucher_requests (deadline) WHERE state = 'PROCESSING';

-- One row per request outcome (receive-code), written once: request_id is the idempotency key, and a voucher code
-- may belong to one request only (a code is money: never given to two customers). FAILED outcomes have no code.
CREATE TABLE vouchers (
  request_id uuid PRIMARY KEY,
  phone_number text NOT NULL,
  voucher_code text CONSTRAINT vouchers_voucher_code_key UNIQUE,
  status text NOT NULL CHECK (status IN ('SUCCESS', 'LATE_SUCCESS', 'FAILED')),
  channel text NOT NULL CHECK (channel IN ('WEB', 'SMS')),
  message text NOT NULL,
  issued_at timestamptz NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'FAILED') = (voucher_code IS NULL))
);

-- Serves exactly the listing query: one customer's codes, newest first, keyset-paginated on (issued_at, request_id).
-- Partial, because the listing never shows FAILED rows (they have no code).
CREATE INDEX vouchers_listing_idx ON vouchers (phone_number, issued_at DESC, request_id DESC) WHERE voucher_code IS NOT NULL;

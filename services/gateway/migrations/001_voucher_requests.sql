-- One row per customer request: where it stands and who has told the customer.
-- state: PROCESSING (waiting for the VPS), CODE_READY (code in hand, offered to the web page),
-- DELIVERED (shown on the web page), SENT_BY_SMS, FAILED.
-- notified_via: WEB or SMS once the customer has been told the outcome; it is what makes delivery happen once.
CREATE TABLE IF NOT EXISTS voucher_requests (
  request_id uuid PRIMARY KEY,
  phone_number text NOT NULL,
  state text NOT NULL CHECK (state IN ('PROCESSING', 'CODE_READY', 'DELIVERED', 'SENT_BY_SMS', 'FAILED')),
  deadline timestamptz NOT NULL,
  voucher_code text,
  status text CHECK (status IN ('SUCCESS', 'LATE_SUCCESS', 'FAILED')),
  message text,
  notified_via text CHECK (notified_via IN ('WEB', 'SMS')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A retried POST with the same Idempotency-Key and phone number gets the first answer.
-- accepted_at stays NULL while the first attempt waits for the broker (a concurrent duplicate gets 409).
CREATE TABLE IF NOT EXISTS idempotency_keys (
  phone_number text NOT NULL,
  key text NOT NULL,
  request_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  accepted_at timestamptz,
  PRIMARY KEY (phone_number, key)
);

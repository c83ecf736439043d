-- One row per request-code request this service has handled, shared by every replica. It is the idempotency
-- record (delivery is at least once) and, while the VPS owes a callback, holds the PKCE challenge to verify it.
-- state PENDING: the VPS acknowledged (202) and will call back; SETTLED: the outcome was published to receive-code.
CREATE TABLE IF NOT EXISTS vps_requests (
  request_id uuid PRIMARY KEY,
  phone_number text NOT NULL,
  deadline timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('PENDING', 'SETTLED')),
  outcome text CHECK (outcome IN ('SUCCESS', 'LATE_SUCCESS', 'FAILED', 'EXPIRED')),
  code_challenge text,
  transform_method text CHECK (transform_method IN ('S256', 'plain')),
  expires_at timestamptz,
  redeemed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  settled_at timestamptz
);

-- A challenge names exactly one request: a callback must never be able to redeem someone else's code.
CREATE UNIQUE INDEX IF NOT EXISTS vps_requests_challenge ON vps_requests (code_challenge, transform_method) WHERE code_challenge IS NOT NULL;

CREATE INDEX IF NOT EXISTS vps_requests_pending_expiry ON vps_requests (expires_at) WHERE state = 'PENDING';

CREATE INDEX IF NOT EXISTS vps_requests_settled_at ON vps_requests (settled_at) WHERE state = 'SETTLED';

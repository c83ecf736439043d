-- Wrong sign-in codes per number, across codes, in a window: OTP_LOCKOUT_FAILURES of them lock the number until
-- locked_until. The row is dead once both its window and its lock have ended (expires_at).
CREATE TABLE IF NOT EXISTS sign_in_failures (
  phone_number text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  failures integer NOT NULL,
  locked_until timestamptz,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sign_in_failures_expiry_idx ON sign_in_failures (expires_at);

-- Requests per customer ('customer:<E.164>') or client address ('address:<ip>', IPv6 by /64) in fixed windows, shared
-- by every replica (the rate limit of the voucher and sign-in routes). A row is dead once its window has ended.
CREATE TABLE IF NOT EXISTS rate_limit_hits (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (key, window_start)
);
CREATE INDEX IF NOT EXISTS rate_limit_hits_expiry_idx ON rate_limit_hits (expires_at);

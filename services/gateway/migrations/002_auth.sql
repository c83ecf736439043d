-- Sign-in one-time codes: only HMAC-SHA256(AUTH_SECRET, phone + code) is kept, one pending code per number.
-- A code is dead once used (row deleted), expired, or after OTP_MAX_ATTEMPTS wrong guesses.
CREATE TABLE IF NOT EXISTS otp_codes (
  phone_number text PRIMARY KEY,
  code_hash bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Fixed one-hour windows of OTP sends per number and per client address, shared by every replica.
-- subject is 'number:<E.164>' or 'address:<ip>'.
CREATE TABLE IF NOT EXISTS otp_send_counts (
  subject text NOT NULL,
  window_start timestamptz NOT NULL,
  sends integer NOT NULL,
  PRIMARY KEY (subject, window_start)
);
CREATE INDEX IF NOT EXISTS otp_send_counts_window_idx ON otp_send_counts (window_start);

-- One-use tickets that let a browser's EventSource (which cannot send headers) open a request's event stream.
-- Only SHA-256 of the ticket is kept; redeeming deletes the row.
CREATE TABLE IF NOT EXISTS stream_tickets (
  ticket_hash bytea PRIMARY KEY,
  request_id uuid NOT NULL,
  phone_number text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS stream_tickets_expiry_idx ON stream_tickets (expires_at);

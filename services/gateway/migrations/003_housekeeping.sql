-- The housekeeping sweep finds old rows by these columns; without the indexes each run would read the whole table.
CREATE INDEX IF NOT EXISTS idempotency_keys_created_idx ON idempotency_keys (created_at);
CREATE INDEX IF NOT EXISTS otp_codes_expiry_idx ON otp_codes (expires_at);

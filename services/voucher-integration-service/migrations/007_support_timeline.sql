-- Issue 12: the support view shows when each step of a request happened, and why it failed. The steps that had no time
-- of their own: when the VPS acknowledged the request (its 202 and challenge stored), and when the outcome's
-- receive-code record reached the broker (the outbox relay published it). failure_reason says why a request was
-- settled FAILED (the VPS's last error, a reused challenge or code), in the service's words, never a code.
ALTER TABLE vps_requests ADD COLUMN IF NOT EXISTS acknowledged_at timestamptz;
ALTER TABLE vps_requests ADD COLUMN IF NOT EXISTS published_at timestamptz;
ALTER TABLE vps_requests ADD COLUMN IF NOT EXISTS failure_reason text;

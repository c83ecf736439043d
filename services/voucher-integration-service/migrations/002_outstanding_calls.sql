-- Issue 9: a call to the VPS is recorded before it is made, so that a callback that arrives before its challenge is
-- stored (the VPS calls back within a millisecond of its 202, or this service died between the 202 and storing it)
-- is answered "not known yet" (503, the VPS retries) instead of "unknown" (403, final).
-- state CALLING: a call for this request is outstanding and its answer not stored yet; a redelivered request-code
-- message that finds it asks the VPS again under the same requestId.
ALTER TABLE vps_requests DROP CONSTRAINT IF EXISTS vps_requests_state_check;
ALTER TABLE vps_requests ADD CONSTRAINT vps_requests_state_check CHECK (state IN ('CALLING', 'PENDING', 'SETTLED'));

-- When the call to the VPS now outstanding for this request began (the first call, or the sweep's re-ask of an expired
-- challenge); NULL when none is.
ALTER TABLE vps_requests ADD COLUMN IF NOT EXISTS calling_since timestamptz;

-- How many times the sweep has asked the VPS again about this request's expired challenge (bounded by CHALLENGE_REASKS).
ALTER TABLE vps_requests ADD COLUMN IF NOT EXISTS reasks integer NOT NULL DEFAULT 0;

-- Only the few rows with a call in progress: the callback endpoint asks "is any call outstanding?" on every unknown verifier.
CREATE INDEX IF NOT EXISTS vps_requests_calling ON vps_requests (calling_since) WHERE calling_since IS NOT NULL;

-- Issue 14: a keyed purchase no longer notes the broker's acknowledgement on its key (a retry decides by the request's
-- own row), so idempotency_keys.accepted_at has been unwritten and unread since the release before this one, which kept
-- it so that replicas of the version before that kept working during a rolling deploy. Dropping it only changes the
-- catalogue.
ALTER TABLE idempotency_keys DROP COLUMN IF EXISTS accepted_at;

-- Issue 12: the support view shows when each step of a request happened. The gateway's steps that had no time of their
-- own: when the broker acknowledged request-code, when the outcome (receive-code) was recorded, and when the customer
-- was told it (on the page or by SMS; a code that arrives after a failure was told moves it again).
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS published_at timestamptz;
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS outcome_at timestamptz;
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS told_at timestamptz;

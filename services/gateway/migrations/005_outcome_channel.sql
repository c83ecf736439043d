-- The channel the integration service chose for the outcome: only a WEB outcome may ever be shown on a page, even
-- while an SMS-bound one is still waiting for its SMS.
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS channel text CHECK (channel IN ('WEB', 'SMS'));

-- When a page first opened the request's event stream (on any replica). A web outcome is announced to the replicas
-- only when a page is there to take it; otherwise it simply waits out the hand-off time and goes by SMS.
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS page_opened_at timestamptz;

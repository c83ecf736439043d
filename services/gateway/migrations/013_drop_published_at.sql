-- Issue 14: the support view's "published" step now comes from the record's Kafka timestamp, which the integration
-- service keeps (vps_requests.request_published_at), so the gateway no longer writes a second time per request to note
-- when the broker acknowledged it. The column has been unwritten since; dropping it only changes the catalogue.
ALTER TABLE voucher_requests DROP COLUMN IF EXISTS published_at;

-- Issue 14: when the gateway's request-code record was made (its Kafka timestamp), as this service read it. The support
-- view's "published" step comes from here: the gateway no longer writes a second time to each request's row after the
-- broker's acknowledgement (that UPDATE cost the intake about a third of its throughput).
ALTER TABLE vps_requests ADD COLUMN IF NOT EXISTS request_published_at timestamptz;

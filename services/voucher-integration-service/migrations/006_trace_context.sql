-- Issue 12: one trace per purchase. The W3C trace context (traceparent, tracestate) and the requestId of the step that
-- wrote a row, as a JSON object of headers ({} when tracing was off and nothing is carried), so that work done later
-- from the row joins the request's trace: the VPS's callback, or the sweep, continues the request-code handling that
-- stored the challenge; the outbox relay publishes each receive-code record as part of the step that settled it.
ALTER TABLE vps_requests ADD COLUMN IF NOT EXISTS trace_context jsonb;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS trace_context jsonb;

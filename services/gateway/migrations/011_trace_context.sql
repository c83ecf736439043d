-- Issue 12: one trace per purchase. The W3C trace context (traceparent, tracestate) and requestId of the receive-code
-- handling that recorded a request's outcome, as a JSON object of headers ({} when tracing was off), so that the
-- delivery done later from the row (a page on any replica, the delivery worker's SMS) joins the request's trace.
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS trace_context jsonb;

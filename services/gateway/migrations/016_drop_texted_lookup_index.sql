-- The second step of 015: no replica looks its texted codes up beside a listing any more (the release with 015 replaced
-- that lookup with reports to voucher-service), so its index (010) only costs every write to a SENT_BY_SMS row.
DROP INDEX IF EXISTS voucher_requests_texted_idx;

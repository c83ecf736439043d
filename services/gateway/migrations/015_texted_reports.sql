-- Issue 14: voucher-service answers the listing alone. Each code the gateway texted (SENT_BY_SMS) is reported to it once
-- (texted_reported_at, set when voucher-service has it), instead of being looked up beside every listing: a code meant
-- for the web whose page had gone went by SMS. Rows texted before this release are reported on the passes after it.
ALTER TABLE voucher_requests ADD COLUMN IF NOT EXISTS texted_reported_at timestamptz;
CREATE INDEX IF NOT EXISTS voucher_requests_texted_unreported_idx ON voucher_requests (updated_at)
  WHERE state = 'SENT_BY_SMS' AND texted_reported_at IS NULL;
-- voucher_requests_texted_idx (010) served the lookup this replaces; it stays for one release, so that replicas of the
-- version before this one keep listing quickly during a rolling deploy, and goes in the next.

-- The listing asks, beside voucher-service's page, which of a customer's codes went by SMS after all (a WEB outcome
-- whose page had gone): a small partial index keeps that lookup per customer off the whole table.
CREATE INDEX IF NOT EXISTS voucher_requests_texted_idx ON voucher_requests (phone_number) WHERE state = 'SENT_BY_SMS';

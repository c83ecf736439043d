-- Issue 11: the PKCE challenge is not kept in clear. A plain challenge is its own verifier, and an S256 challenge is
-- what a callback is matched against: whoever could read this table could redeem a pending request with a fake code
-- before the VPS's genuine callback. Only SHA-256(challenge) is kept; a callback is looked up by the digest of the
-- challenge its verifier gives (one per method), so the index compares digests, never attacker input with a secret.
ALTER TABLE vps_requests ADD COLUMN IF NOT EXISTS challenge_digest bytea;
UPDATE vps_requests SET challenge_digest = sha256(convert_to(code_challenge, 'UTF8')) WHERE code_challenge IS NOT NULL;
DROP INDEX IF EXISTS vps_requests_challenge;
ALTER TABLE vps_requests DROP COLUMN IF EXISTS code_challenge;
-- A challenge names exactly one request: a callback must never be able to redeem someone else's code.
CREATE UNIQUE INDEX IF NOT EXISTS vps_requests_challenge ON vps_requests (challenge_digest, transform_method) WHERE challenge_digest IS NOT NULL;

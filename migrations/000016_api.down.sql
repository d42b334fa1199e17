CREATE INDEX statements_stored_idx ON statements (tenant_id, stored);
DROP INDEX IF EXISTS statements_stored_id_idx;
DROP INDEX IF EXISTS certificates_issued_idx;
DROP INDEX IF EXISTS enrolments_completed_idx;
DROP INDEX IF EXISTS users_updated_idx;
DROP TABLE IF EXISTS api_idempotency_keys;
DROP TABLE IF EXISTS portal_api_keys;
DROP TABLE IF EXISTS api_keys;

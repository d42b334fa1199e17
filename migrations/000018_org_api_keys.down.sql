DROP INDEX IF EXISTS tenants_reseller_updated_idx;
DROP INDEX IF EXISTS tenants_account_updated_idx;
DROP TABLE IF EXISTS org_api_idempotency_keys;
DROP TABLE IF EXISTS org_api_keys;

DROP TABLE IF EXISTS console_members;
DROP TRIGGER IF EXISTS tenants_own_account ON tenants;
DROP FUNCTION IF EXISTS tenants_own_account();
ALTER TABLE tenants DROP COLUMN account_id, DROP COLUMN audience;
DROP TABLE IF EXISTS accounts;

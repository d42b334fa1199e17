ALTER TABLE accounts DROP COLUMN status;
ALTER TABLE tenants DROP CONSTRAINT tenants_suspended_by_check_status;
ALTER TABLE tenants DROP COLUMN suspended_by;

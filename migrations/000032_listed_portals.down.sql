ALTER TABLE tenants DROP COLUMN listed;

COMMENT ON TABLE webhook_endpoints IS NULL;
ALTER TABLE webhook_endpoints ALTER COLUMN tenant_id DROP NOT NULL;
ALTER TABLE webhook_endpoints ADD COLUMN reseller_id bigint REFERENCES resellers (id);
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_one_owner CHECK (num_nonnulls(tenant_id, reseller_id) = 1);
DROP TABLE IF EXISTS org_webhook_deliveries;
DROP TABLE IF EXISTS org_webhook_endpoints;

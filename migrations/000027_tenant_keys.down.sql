ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_tenant_id_endpoint_id_fkey;
CREATE INDEX webhook_deliveries_endpoint_fk_idx ON webhook_deliveries (endpoint_id);
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, id) WHERE tenant_id IS NOT NULL;
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_pkey;
ALTER TABLE webhook_endpoints ADD PRIMARY KEY (id);
ALTER TABLE webhook_deliveries ADD FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE;

-- Every tenant table's primary key leads with tenant_id, and every foreign
-- key between tenant tables includes it, so tables can be distributed by
-- tenant (Citus) with their joins kept on one node. Portal webhook
-- endpoints were the exception: keyed by id alone while they were meant
-- to have other owners too (those have tables of their own since 000019).
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_endpoint_id_fkey;
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_pkey;
ALTER TABLE webhook_endpoints ADD PRIMARY KEY (tenant_id, id);
DROP INDEX webhook_endpoints_tenant_idx;
ALTER TABLE webhook_deliveries ADD FOREIGN KEY (tenant_id, endpoint_id)
    REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE;
-- The cascade now finds an endpoint's deliveries by webhook_deliveries_endpoint_idx.
DROP INDEX webhook_deliveries_endpoint_fk_idx;

-- Webhooks: addresses that receive a portal's events, signed, and the log
-- of every delivery to them.

-- An endpoint belongs to its owner. Portals are the only owners today; a
-- reseller (reseller_id) or, once they exist, an account will own
-- endpoints that hear the events of all their portals. So the owner is a
-- column of its own and the key is the endpoint's id alone, not led by
-- tenant_id like other tenant tables: a reseller's endpoint has no tenant.
-- Row-level security is the same as everywhere: a portal's transaction
-- sees its own endpoints and nothing else (a row without a tenant matches
-- no policy, and WITH CHECK refuses to write one); resellers will get a
-- policy of their own when they manage endpoints.
CREATE TABLE webhook_endpoints (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id            bigint REFERENCES tenants (id),
    reseller_id          bigint REFERENCES resellers (id),
    url                  text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    events               text[] NOT NULL CHECK (cardinality(events) > 0),
    -- Signs every delivery, so it is kept as it is; it is shown once, when
    -- the endpoint is created.
    secret               text NOT NULL,
    -- Failed attempts since the last success, and when the first of them
    -- failed: an endpoint that keeps failing is disabled.
    consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    failing_since        timestamptz,
    disabled_at          timestamptz,
    disabled_reason      text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    CONSTRAINT webhook_endpoints_one_owner CHECK (num_nonnulls(tenant_id, reseller_id) = 1)
);
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, id) WHERE tenant_id IS NOT NULL;

-- One event sent to one endpoint: a row per delivery, updated by each
-- attempt. tenant_id is the portal the event happened in. body is exactly
-- the bytes that are signed and sent, so every attempt sends the same.
CREATE TABLE webhook_deliveries (
    tenant_id        bigint NOT NULL REFERENCES tenants (id),
    id               bigint GENERATED ALWAYS AS IDENTITY,
    endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         text NOT NULL,
    event_type       text NOT NULL,
    body             text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     integer NOT NULL CHECK (max_attempts > 0),
    last_status_code integer,
    last_error       text NOT NULL DEFAULT '',
    last_attempt_at  timestamptz,
    next_attempt_at  timestamptz,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- An endpoint's log, newest first; and the cascade when it is deleted.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (tenant_id, endpoint_id, id DESC);
CREATE INDEX webhook_deliveries_endpoint_fk_idx ON webhook_deliveries (endpoint_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhook_endpoints', 'webhook_deliveries'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;

-- Webhooks of accounts and resellers: endpoints that hear the events of
-- every portal an org owns, managed in the console.
--
-- These rows belong to an org, not to one portal, so they are platform
-- tables (no row-level security; reached only through the console's and
-- the delivery worker's code, always keyed by the owner). A portal's own
-- endpoints stay in webhook_endpoints, under its tenant policy.
CREATE TABLE org_webhook_endpoints (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id           bigint REFERENCES accounts (id),
    reseller_id          bigint REFERENCES resellers (id),
    url                  text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    events               text[] NOT NULL CHECK (cardinality(events) > 0),
    secret               text NOT NULL,
    consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    failing_since        timestamptz,
    disabled_at          timestamptz,
    disabled_reason      text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    CONSTRAINT org_webhook_endpoints_one_owner CHECK (num_nonnulls(account_id, reseller_id) = 1),
    -- A reseller hears only events about portals themselves, never what
    -- people do in them (webhook.PortalLevel); the code checks it first.
    CONSTRAINT org_webhook_endpoints_reseller_events CHECK (reseller_id IS NULL OR events <@ ARRAY['portal.created'])
);
CREATE INDEX org_webhook_endpoints_account_idx ON org_webhook_endpoints (account_id, id) WHERE account_id IS NOT NULL;
CREATE INDEX org_webhook_endpoints_reseller_idx ON org_webhook_endpoints (reseller_id, id) WHERE reseller_id IS NOT NULL;

-- One event sent to one org endpoint, with the same columns as
-- webhook_deliveries so that one worker sends both. portal_id is the
-- portal the event happened in (none for a test event); it is not called
-- tenant_id because the row is the org's, not the portal's.
CREATE TABLE org_webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id      bigint NOT NULL REFERENCES org_webhook_endpoints (id) ON DELETE CASCADE,
    portal_id        bigint REFERENCES tenants (id),
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
    created_at       timestamptz NOT NULL
);
-- An endpoint's log, newest first (and the cascade when it is deleted).
CREATE INDEX org_webhook_deliveries_endpoint_idx ON org_webhook_deliveries (endpoint_id, id DESC);
-- Erasing a person scrubs the deliveries of their portal.
CREATE INDEX org_webhook_deliveries_portal_idx ON org_webhook_deliveries (portal_id) WHERE portal_id IS NOT NULL;

-- The reseller column reserved on portal endpoints is replaced by the
-- table above: a portal's endpoints are its own.
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_one_owner;
ALTER TABLE webhook_endpoints DROP COLUMN reseller_id;
ALTER TABLE webhook_endpoints ALTER COLUMN tenant_id SET NOT NULL;
COMMENT ON TABLE webhook_endpoints IS
    'A portal''s own webhook endpoints (tenant policy). Accounts'' and resellers'' endpoints are in org_webhook_endpoints.';

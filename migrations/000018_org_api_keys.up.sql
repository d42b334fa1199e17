-- API keys of accounts and resellers: they provision and manage portals
-- on the platform host. Like portal keys, each id is registered in
-- api_keys (scope 'account' or 'reseller') and only a SHA-256 of the
-- secret is kept. They are platform rows, as console_members are: they
-- belong to an organisation, not to one portal, and every query names the
-- organisation.
CREATE TABLE org_api_keys (
    id           text PRIMARY KEY REFERENCES api_keys (id),
    account_id   bigint REFERENCES accounts (id),
    reseller_id  bigint REFERENCES resellers (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    permissions  text[] NOT NULL CHECK (cardinality(permissions) > 0 AND permissions <@ ARRAY['portals:read', 'portals:write']),
    created_by   bigint REFERENCES console_members (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    revoked_by   bigint REFERENCES console_members (id) ON DELETE SET NULL,
    last_used_at timestamptz,
    CHECK (num_nonnulls(account_id, reseller_id) = 1)
);
-- The console lists an organisation's keys.
CREATE INDEX org_api_keys_account_idx ON org_api_keys (account_id, created_at) WHERE account_id IS NOT NULL;
CREATE INDEX org_api_keys_reseller_idx ON org_api_keys (reseller_id, created_at) WHERE reseller_id IS NOT NULL;

-- Idempotency-Key on their POSTs, as api_idempotency_keys does for portal
-- keys. Key ids are unique across scopes, so the key leads.
CREATE TABLE org_api_idempotency_keys (
    key_id          text NOT NULL REFERENCES org_api_keys (id) ON DELETE CASCADE,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_hash    bytea NOT NULL,
    status          smallint,
    headers         jsonb,
    body            bytea,
    created_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    PRIMARY KEY (key_id, idempotency_key)
);
CREATE INDEX org_api_idempotency_keys_created_idx ON org_api_idempotency_keys (key_id, created_at);

-- The provisioning API pages through an organisation's portals by update
-- time, as the portal API does through people.
CREATE INDEX tenants_account_updated_idx ON tenants (account_id, updated_at, id);
CREATE INDEX tenants_reseller_updated_idx ON tenants (reseller_id, updated_at, id) WHERE reseller_id IS NOT NULL;

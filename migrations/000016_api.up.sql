-- REST API v1: keys, idempotent retries, and the indexes its lists page by.
--
-- Keys are bearer tokens `upw_<id>_<secret>`. The id is public (it shows in
-- the consoles and in logs); only a SHA-256 of the secret is stored, which
-- is enough for a 256-bit random secret (nothing to brute-force, so no slow
-- hash is needed).
--
-- A key belongs to a scope: an account, a reseller or a portal. api_keys is
-- the platform's registry of every key id and its scope (like
-- certificate_codes: no secret, no tenant policy), so ids are unique across
-- scopes and a key found anywhere (a leak report, a log line) can be traced
-- to its owner before any tenant is known. Each scope keeps its keys' secrets
-- and permissions in a table of its own: portal keys in portal_api_keys,
-- tenant-owned under row-level security; account and reseller keys will have
-- theirs, with the same columns, when those consoles exist.
CREATE TABLE api_keys (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z2-7]{16}$'),
    scope_type text NOT NULL CHECK (scope_type IN ('account', 'reseller', 'portal')),
    scope_id   bigint NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX api_keys_scope_idx ON api_keys (scope_type, scope_id);

CREATE TABLE portal_api_keys (
    tenant_id    bigint NOT NULL REFERENCES tenants (id),
    id           text NOT NULL REFERENCES api_keys (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    permissions  text[] NOT NULL CHECK (cardinality(permissions) > 0 AND permissions <@ ARRAY[
                     'users:read', 'users:write', 'groups:read', 'groups:write', 'enrolments:read',
                     'enrolments:write', 'courses:read', 'progress:read', 'records:read']),
    created_by   bigint,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    revoked_by   bigint,
    -- Moved on at most once a minute, so a busy key does not write a row
    -- version per request.
    last_used_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by),
    FOREIGN KEY (tenant_id, revoked_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (revoked_by)
);

-- Idempotency-Key on POST: the first request with a key inserts its row
-- (status NULL: running), does the work, then stores the response; a retry
-- with the same key and request gets that response, with another request
-- a 422. The row's insert is the lock: a concurrent duplicate finds it.
CREATE TABLE api_idempotency_keys (
    tenant_id       bigint NOT NULL,
    key_id          text NOT NULL,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_hash    bytea NOT NULL,
    status          smallint,
    headers         jsonb,
    body            bytea,
    created_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    PRIMARY KEY (tenant_id, key_id, idempotency_key),
    FOREIGN KEY (tenant_id, key_id) REFERENCES portal_api_keys (tenant_id, id) ON DELETE CASCADE
);
-- Expired rows are swept per API key as new ones arrive.
CREATE INDEX api_idempotency_keys_created_idx ON api_idempotency_keys (tenant_id, key_id, created_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['portal_api_keys', 'api_idempotency_keys'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;

-- The API's lists page with keyset cursors in the order of the time a
-- client syncs by, the ID breaking ties (rows of one transaction share
-- their time): each page is a short index scan from its cursor.
CREATE INDEX users_updated_idx ON users (tenant_id, updated_at, id);
CREATE INDEX enrolments_completed_idx ON enrolments (tenant_id, completed_at, id) WHERE completed_at IS NOT NULL;
CREATE INDEX certificates_issued_idx ON certificates (tenant_id, issued_at, id);
CREATE INDEX statements_stored_id_idx ON statements (tenant_id, stored, id);
DROP INDEX statements_stored_idx;

-- The runtime role. The server connects as the migrating user and then runs
-- its queries as this role (DATABASE_ROLE). It owns no table, is no superuser
-- and cannot bypass row-level security, so RLS always applies to it.
-- Roles are cluster-wide: another database of the same cluster may have made it.
DO $$
BEGIN
    CREATE ROLE upward_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- The migrating user switches to the runtime role at connect.
GRANT upward_app TO CURRENT_USER;

GRANT USAGE ON SCHEMA public TO upward_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO upward_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO upward_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO upward_app;

-- current_tenant_id is what every row-level security policy compares with.
-- It fails closed: with no tenant set it is NULL, and NULL matches no row.
CREATE FUNCTION current_tenant_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::bigint $$;

-- Sessions of alexedwards/scs (pgxstore): a platform table, no RLS.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Tenants (portals): a platform table, reached only through platform code.
CREATE TABLE tenants (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

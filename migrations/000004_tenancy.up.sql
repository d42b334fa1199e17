-- Portals, the people in them, sign-in tokens, the audit log and the mail
-- outbox.
--
-- Tenant-owned tables: tenant_id leads the primary key and every index, and
-- foreign keys between them include it, so a row can never point into
-- another tenant. Row-level security is enabled and forced on each, with a
-- policy that fails closed when no tenant is set.

CREATE TABLE resellers (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE tenants
    ADD COLUMN status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    ADD COLUMN plan                  text NOT NULL DEFAULT 'standard' CHECK (length(plan) BETWEEN 1 AND 50),
    ADD COLUMN seat_limit            integer NOT NULL DEFAULT 100 CHECK (seat_limit >= 0),
    ADD COLUMN primary_color         text NOT NULL DEFAULT '#1f5fa8' CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
    ADD COLUMN welcome_text          text NOT NULL DEFAULT '' CHECK (length(welcome_text) <= 2000),
    ADD COLUMN logo_file             text,
    ADD COLUMN contact_email         text NOT NULL DEFAULT '' CHECK (length(contact_email) <= 254),
    ADD COLUMN self_registration     boolean NOT NULL DEFAULT false,
    ADD COLUMN allowed_email_domains text[] NOT NULL DEFAULT '{}',
    ADD COLUMN default_time_zone     text NOT NULL DEFAULT 'UTC',
    ADD COLUMN default_language      text NOT NULL DEFAULT 'en',
    ADD COLUMN reseller_id           bigint REFERENCES resellers (id),
    ADD COLUMN updated_at            timestamptz NOT NULL DEFAULT now();
CREATE INDEX tenants_reseller_idx ON tenants (reseller_id) WHERE reseller_id IS NOT NULL;

-- Custom domains of portals; a domain serves its portal once verified.
CREATE TABLE tenant_domains (
    domain             text PRIMARY KEY CHECK (domain = lower(domain)),
    tenant_id          bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    verification_token text NOT NULL,
    verified_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_domains_tenant_idx ON tenant_domains (tenant_id);

-- Platform operators sign in on the bare BASE_DOMAIN. A platform table.
CREATE TABLE operators (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (length(email) <= 254),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    session_epoch integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX operators_email_key ON operators (lower(email));

CREATE TABLE users (
    tenant_id         bigint NOT NULL REFERENCES tenants (id),
    id                bigint GENERATED ALWAYS AS IDENTITY,
    email             text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- NULL until the user chooses one (an invitation not yet accepted).
    password_hash     text,
    manager_id        bigint,
    time_zone         text NOT NULL DEFAULT 'UTC',
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active', 'deactivated')),
    roles             text[] NOT NULL DEFAULT '{learner}'
                      CHECK (roles <@ ARRAY['learner', 'instructor', 'admin'] AND cardinality(roles) > 0),
    email_verified_at timestamptz,
    -- Bumped by "sign out everywhere" and privilege changes: sessions that
    -- carry an older epoch are no longer valid.
    session_epoch     integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, manager_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (manager_id),
    CHECK (manager_id IS NULL OR manager_id <> id)
);
CREATE UNIQUE INDEX users_email_key ON users (tenant_id, lower(email));
CREATE INDEX users_manager_idx ON users (tenant_id, manager_id) WHERE manager_id IS NOT NULL;

CREATE TABLE groups (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    id         bigint GENERATED ALWAYS AS IDENTITY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind       text NOT NULL DEFAULT 'team' CHECK (kind IN ('department', 'team', 'cohort')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX groups_name_key ON groups (tenant_id, lower(name));

CREATE TABLE group_members (
    tenant_id bigint NOT NULL,
    group_id  bigint NOT NULL,
    user_id   bigint NOT NULL,
    added_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_user_idx ON group_members (tenant_id, user_id);

-- Single-use secrets sent by e-mail. Only a SHA-256 of the secret is kept,
-- so a leaked table opens no account.
CREATE TABLE user_tokens (
    tenant_id  bigint NOT NULL,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    user_id    bigint NOT NULL,
    purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'invitation', 'password_reset', 'change_email')),
    token_hash bytea NOT NULL,
    new_email  text,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX user_tokens_hash_key ON user_tokens (tenant_id, token_hash);
CREATE INDEX user_tokens_user_idx ON user_tokens (tenant_id, user_id, purpose);

-- Who did what, when, from where, inside a portal.
CREATE TABLE audit_events (
    tenant_id   bigint NOT NULL REFERENCES tenants (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint,
    actor_label text NOT NULL DEFAULT '',
    action      text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    ip          inet,
    detail      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_events_at_idx ON audit_events (tenant_id, at DESC);

-- The same for the platform console. A platform table.
CREATE TABLE platform_audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    operator_id bigint REFERENCES operators (id),
    actor_label text NOT NULL DEFAULT '',
    action      text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    ip          inet,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX platform_audit_events_at_idx ON platform_audit_events (at DESC);

-- Mail waiting for, or done with, delivery. Written in the transaction of
-- the action that causes it, with the River job that delivers it. A platform
-- table: the mail worker serves every tenant.
CREATE TABLE mail_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint REFERENCES tenants (id),
    to_address  text NOT NULL,
    to_name     text NOT NULL DEFAULT '',
    from_name   text NOT NULL DEFAULT '',
    subject     text NOT NULL,
    text_body   text NOT NULL,
    html_body   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    transport   text,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text
);
CREATE INDEX mail_outbox_created_idx ON mail_outbox (created_at DESC);

-- Row-level security on every tenant-owned table.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'groups', 'group_members', 'user_tokens', 'audit_events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;

-- Accounts: the customer organisations that own portals (one per
-- audience they train). A reseller's clients are accounts too. Every
-- portal belongs to exactly one account: each portal that exists now gets
-- an account of its own.
CREATE TABLE accounts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    reseller_id bigint REFERENCES resellers (id), -- set for a reseller's client
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_reseller_idx ON accounts (reseller_id) WHERE reseller_id IS NOT NULL;

ALTER TABLE tenants
    ADD COLUMN account_id bigint REFERENCES accounts (id),
    ADD COLUMN audience   text NOT NULL DEFAULT 'employees' CHECK (audience IN ('employees', 'customers', 'partners', 'other'));
INSERT INTO accounts (slug, name, reseller_id, created_at) SELECT slug, name, reseller_id, created_at FROM tenants;
UPDATE tenants t SET account_id = a.id FROM accounts a WHERE a.slug = t.slug;
ALTER TABLE tenants ALTER COLUMN account_id SET NOT NULL;
CREATE INDEX tenants_account_idx ON tenants (account_id);

-- A portal created without an account (the platform console, the seed)
-- gets one of its own, named after it, so that no portal is ever without.
CREATE FUNCTION tenants_own_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.account_id IS NULL THEN
        INSERT INTO accounts (slug, name, reseller_id) VALUES (NEW.slug, NEW.name, NEW.reseller_id)
        RETURNING id INTO NEW.account_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tenants_own_account BEFORE INSERT ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_own_account();

-- The people who sign in to the console on the platform host: an
-- account's admins, or a reseller's. Platform tables: the console reaches
-- portals only through their account or reseller.
CREATE TABLE console_members (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (length(email) <= 254),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    account_id    bigint REFERENCES accounts (id),
    reseller_id   bigint REFERENCES resellers (id),
    session_epoch integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(account_id, reseller_id) = 1)
);
CREATE UNIQUE INDEX console_members_email_key ON console_members (lower(email));

-- Invitations to the console: an account's or a reseller's admins invite
-- colleagues, and platform operators invite an org's first admin. Like
-- portal invitations, the link's secret is stored only as its SHA-256 and
-- is used at most once. A platform table, like console_members.
CREATE TABLE console_invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint REFERENCES accounts (id),
    reseller_id bigint REFERENCES resellers (id),
    email       text NOT NULL CHECK (length(email) <= 254),
    name        text NOT NULL DEFAULT '' CHECK (length(name) <= 200), -- a suggestion; the invitee chooses
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CHECK (num_nonnulls(account_id, reseller_id) = 1)
);
CREATE INDEX console_invitations_account_idx ON console_invitations (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX console_invitations_reseller_idx ON console_invitations (reseller_id) WHERE reseller_id IS NOT NULL;

-- The members page lists an org's members.
CREATE INDEX console_members_account_idx ON console_members (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX console_members_reseller_idx ON console_members (reseller_id) WHERE reseller_id IS NOT NULL;

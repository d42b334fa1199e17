DROP INDEX IF EXISTS console_members_reseller_idx;
DROP INDEX IF EXISTS console_members_account_idx;
DROP TABLE IF EXISTS console_invitations;

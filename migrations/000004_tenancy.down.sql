DROP TABLE IF EXISTS mail_outbox, platform_audit_events, audit_events, user_tokens, group_members, groups, users, operators, tenant_domains;
ALTER TABLE tenants
    DROP COLUMN IF EXISTS status, DROP COLUMN IF EXISTS plan, DROP COLUMN IF EXISTS seat_limit,
    DROP COLUMN IF EXISTS primary_color, DROP COLUMN IF EXISTS welcome_text, DROP COLUMN IF EXISTS logo_file,
    DROP COLUMN IF EXISTS contact_email, DROP COLUMN IF EXISTS self_registration,
    DROP COLUMN IF EXISTS allowed_email_domains, DROP COLUMN IF EXISTS default_time_zone,
    DROP COLUMN IF EXISTS default_language, DROP COLUMN IF EXISTS reseller_id, DROP COLUMN IF EXISTS updated_at;
DROP TABLE IF EXISTS resellers;

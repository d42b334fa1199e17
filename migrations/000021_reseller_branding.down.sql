ALTER TABLE resellers
    DROP COLUMN IF EXISTS display_name,
    DROP COLUMN IF EXISTS logo_file,
    DROP COLUMN IF EXISTS support_email,
    DROP COLUMN IF EXISTS base_domain;

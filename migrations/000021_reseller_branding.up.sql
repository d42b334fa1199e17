-- A reseller's white label: the name, logo and support address its
-- clients' portals and mail show instead of Upward's, and optionally a base
-- domain of its own under which {slug}.{base_domain} serves its clients'
-- portals. An empty display name shows the reseller's name.
ALTER TABLE resellers
    ADD COLUMN display_name  text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    ADD COLUMN logo_file     text,
    ADD COLUMN support_email text NOT NULL DEFAULT '' CHECK (length(support_email) <= 254),
    -- Set by platform operators, who own its DNS and wildcard certificate.
    ADD COLUMN base_domain   text UNIQUE CHECK (base_domain = lower(base_domain) AND length(base_domain) BETWEEN 4 AND 253);

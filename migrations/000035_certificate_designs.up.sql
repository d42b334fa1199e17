-- How a portal's certificates look: the layout an administrator chose, an
-- accent colour (NULL: the portal's brand colour), whether the logo shows,
-- and a signature image (a stored upload's name) with its signer. A portal
-- without a row has the default design (classic, logo shown, no signature).
CREATE TABLE certificate_designs (
    tenant_id      bigint PRIMARY KEY REFERENCES tenants (id),
    layout         text NOT NULL CHECK (layout IN ('classic', 'modern', 'minimal')),
    accent_color   text CHECK (accent_color ~ '^#[0-9a-f]{6}$'),
    show_logo      boolean NOT NULL,
    signature_file text NOT NULL DEFAULT '' CHECK (signature_file ~ '^(signature-[0-9]+-[0-9a-f]{16}\.png)?$'),
    signer_name    text NOT NULL DEFAULT '' CHECK (char_length(signer_name) <= 100),
    signer_title   text NOT NULL DEFAULT '' CHECK (char_length(signer_title) <= 100),
    updated_at     timestamptz NOT NULL
);
ALTER TABLE certificate_designs ENABLE ROW LEVEL SECURITY;
ALTER TABLE certificate_designs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON certificate_designs
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

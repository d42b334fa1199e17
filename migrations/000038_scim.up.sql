-- SCIM provisioning: the identity provider's own ID of a person, and
-- whether the provider has deleted them (kept deactivated, with their
-- history, and no longer a SCIM resource; provisioning the same address
-- again brings the account back).
ALTER TABLE users ADD COLUMN external_id text CHECK (external_id IS NULL OR length(external_id) BETWEEN 1 AND 500);
ALTER TABLE users ADD COLUMN scim_deleted_at timestamptz;
CREATE UNIQUE INDEX users_external_id_idx ON users (tenant_id, external_id) WHERE external_id IS NOT NULL;

-- Portal keys may provision people over SCIM: scim:provision.
ALTER TABLE portal_api_keys DROP CONSTRAINT portal_api_keys_permissions_check;
ALTER TABLE portal_api_keys ADD CONSTRAINT portal_api_keys_permissions_check CHECK (cardinality(permissions) > 0 AND permissions <@ ARRAY[
    'users:read', 'users:write', 'groups:read', 'groups:write', 'enrolments:read',
    'enrolments:write', 'courses:read', 'courses:write', 'progress:read', 'records:read', 'scim:provision']);

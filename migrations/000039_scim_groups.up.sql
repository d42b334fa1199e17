-- SCIM groups: the identity provider's own ID of a group, and whether the
-- provider made it (only those may be deleted over SCIM: a group made in
-- Upward may carry course assignments the provider knows nothing of).
ALTER TABLE groups ADD COLUMN external_id text CHECK (external_id IS NULL OR length(external_id) BETWEEN 1 AND 500);
ALTER TABLE groups ADD COLUMN scim_managed boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX groups_external_id_idx ON groups (tenant_id, external_id) WHERE external_id IS NOT NULL;

UPDATE portal_api_keys SET permissions = array_remove(permissions, 'scim:provision');
DELETE FROM portal_api_keys WHERE cardinality(permissions) = 0;
ALTER TABLE portal_api_keys DROP CONSTRAINT portal_api_keys_permissions_check;
ALTER TABLE portal_api_keys ADD CONSTRAINT portal_api_keys_permissions_check CHECK (cardinality(permissions) > 0 AND permissions <@ ARRAY[
    'users:read', 'users:write', 'groups:read', 'groups:write', 'enrolments:read',
    'enrolments:write', 'courses:read', 'courses:write', 'progress:read', 'records:read']);
DROP INDEX users_external_id_idx;
ALTER TABLE users DROP COLUMN scim_deleted_at;
ALTER TABLE users DROP COLUMN external_id;

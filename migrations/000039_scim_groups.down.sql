DROP INDEX groups_external_id_idx;
ALTER TABLE groups DROP COLUMN scim_managed;
ALTER TABLE groups DROP COLUMN external_id;

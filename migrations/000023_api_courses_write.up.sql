-- Portal keys may import SCORM packages as courses: courses:write.
ALTER TABLE portal_api_keys DROP CONSTRAINT portal_api_keys_permissions_check;
ALTER TABLE portal_api_keys ADD CONSTRAINT portal_api_keys_permissions_check CHECK (cardinality(permissions) > 0 AND permissions <@ ARRAY[
    'users:read', 'users:write', 'groups:read', 'groups:write', 'enrolments:read',
    'enrolments:write', 'courses:read', 'courses:write', 'progress:read', 'records:read']);

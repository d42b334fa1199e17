ALTER TABLE course_versions DROP COLUMN content_digest;
DROP FUNCTION content_digest(jsonb);

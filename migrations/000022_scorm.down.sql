DELETE FROM statements WHERE object_type = 'sco';
ALTER TABLE statements DROP CONSTRAINT statements_object_type_check;
ALTER TABLE statements ADD CONSTRAINT statements_object_type_check CHECK (object_type IN ('course', 'lesson', 'quiz', 'path'));
DROP TABLE IF EXISTS platform_secrets;
DROP TABLE IF EXISTS scorm_attempts;
DROP TABLE IF EXISTS scorm_packages;

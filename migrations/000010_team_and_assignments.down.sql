DROP INDEX IF EXISTS enrolments_due_idx;
DROP TABLE IF EXISTS reminders;
ALTER TABLE path_enrolments DROP COLUMN source, DROP COLUMN due_at;
DELETE FROM assignments WHERE path_id IS NOT NULL;
DROP INDEX IF EXISTS assignments_path_idx;
ALTER TABLE assignments DROP CONSTRAINT assignments_one_object, DROP CONSTRAINT assignments_path_fkey, DROP COLUMN path_id;
ALTER TABLE assignments ALTER COLUMN course_id SET NOT NULL;
ALTER TABLE block_responses DROP COLUMN shared_at;

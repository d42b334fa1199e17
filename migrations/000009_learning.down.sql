DROP TABLE IF EXISTS statements, certificate_codes, certificates, path_enrolments, assignments, quiz_attempts, block_responses, lesson_progress;
ALTER TABLE enrolments DROP CONSTRAINT enrolments_status_check;
ALTER TABLE enrolments
    DROP COLUMN percent, DROP COLUMN time_spent_seconds, DROP COLUMN first_access_at,
    DROP COLUMN last_access_at, DROP COLUMN last_lesson_key,
    ADD CONSTRAINT enrolments_status_check CHECK (status IN ('active', 'completed'));
DROP INDEX IF EXISTS courses_search_idx;
DROP INDEX IF EXISTS courses_enrol_code_key;
ALTER TABLE courses DROP COLUMN self_enrol, DROP COLUMN enrol_code, DROP COLUMN cover, DROP COLUMN search;

DROP INDEX IF EXISTS enrolments_last_access_idx;
DROP INDEX IF EXISTS statements_timestamp_idx;

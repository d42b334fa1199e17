DELETE FROM path_steps WHERE session_id IS NOT NULL;
DROP INDEX IF EXISTS path_steps_session_idx;
ALTER TABLE path_steps DROP COLUMN IF EXISTS session_id;
ALTER TABLE path_steps ALTER COLUMN course_id SET NOT NULL;
DROP TABLE IF EXISTS calendar_feeds;
DROP TABLE IF EXISTS live_session_registrations;
DROP SEQUENCE IF EXISTS live_session_arrival_seq;
DROP TABLE IF EXISTS live_session_instructors;
DROP TABLE IF EXISTS live_sessions;

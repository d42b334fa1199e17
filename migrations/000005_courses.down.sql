DROP TABLE IF EXISTS course_versions;
DROP TABLE IF EXISTS courses;
DROP FUNCTION IF EXISTS refuse_update();

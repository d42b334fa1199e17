DROP TABLE IF EXISTS course_files;

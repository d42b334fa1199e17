DROP TABLE path_self_ratings;
ALTER TABLE paths DROP COLUMN self_assessment;

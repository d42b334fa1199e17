DROP TABLE plan_comments;
DROP TABLE nudges;

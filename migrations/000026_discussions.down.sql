DROP INDEX IF EXISTS statements_feed_idx;
DROP TABLE IF EXISTS activity_opt_outs;
DROP TABLE IF EXISTS discussion_reports;
DROP TABLE IF EXISTS discussion_reactions;
DROP TABLE IF EXISTS discussion_posts;

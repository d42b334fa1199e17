-- Discussions: one thread per course (lesson_key '') and one per lesson.
-- A post answers the thread, or one of its posts (one level of replies).
CREATE TABLE discussion_posts (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    id         bigint GENERATED ALWAYS AS IDENTITY,
    course_id  bigint NOT NULL,
    lesson_key text NOT NULL DEFAULT '',
    parent_id  bigint,
    author_id  bigint NOT NULL,
    -- Markdown as written; '' once deleted (a deleted post is kept only
    -- while replies hang on it, to show "deleted" in its place).
    body       text NOT NULL CHECK (length(body) <= 5000),
    created_at timestamptz NOT NULL,
    edited_at  timestamptz,
    deleted_at timestamptz,
    pinned_at  timestamptz,
    hidden_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_id) REFERENCES discussion_posts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    CHECK (deleted_at IS NOT NULL OR length(body) >= 1),
    CHECK (parent_id IS NULL OR pinned_at IS NULL)
);
-- A thread, newest first; and a post's replies.
CREATE INDEX discussion_posts_thread_idx ON discussion_posts (tenant_id, course_id, lesson_key, id DESC) WHERE parent_id IS NULL;
CREATE INDEX discussion_posts_parent_idx ON discussion_posts (tenant_id, parent_id, id) WHERE parent_id IS NOT NULL;
CREATE INDEX discussion_posts_author_idx ON discussion_posts (tenant_id, author_id);

-- "Helpful": one per person and post.
CREATE TABLE discussion_reactions (
    tenant_id  bigint NOT NULL,
    post_id    bigint NOT NULL,
    user_id    bigint NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, post_id, user_id),
    FOREIGN KEY (tenant_id, post_id) REFERENCES discussion_posts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX discussion_reactions_user_idx ON discussion_reactions (tenant_id, user_id);

-- Reports: one per person and post, open until a moderator hides the
-- post or dismisses its reports.
CREATE TABLE discussion_reports (
    tenant_id   bigint NOT NULL,
    post_id     bigint NOT NULL,
    user_id     bigint NOT NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    created_at  timestamptz NOT NULL,
    resolved_at timestamptz,
    outcome     text CHECK (outcome IN ('hidden', 'dismissed')),
    PRIMARY KEY (tenant_id, post_id, user_id),
    FOREIGN KEY (tenant_id, post_id) REFERENCES discussion_posts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    CHECK ((resolved_at IS NULL) = (outcome IS NULL))
);
-- The moderation queue.
CREATE INDEX discussion_reports_open_idx ON discussion_reports (tenant_id, created_at DESC) WHERE resolved_at IS NULL;
CREATE INDEX discussion_reports_user_idx ON discussion_reports (tenant_id, user_id);

-- People who asked not to appear in the portal's activity feed.
CREATE TABLE activity_opt_outs (
    tenant_id  bigint NOT NULL,
    user_id    bigint NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- The activity feed reads completions from the learning records, newest
-- first.
CREATE INDEX statements_feed_idx ON statements (tenant_id, "timestamp" DESC, id DESC)
    WHERE verb = 'http://adlnet.gov/expapi/verbs/completed' AND object_type IN ('course', 'path');

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['discussion_posts', 'discussion_reactions', 'discussion_reports', 'activity_opt_outs'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;

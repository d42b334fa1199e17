-- Notifications: shown in the app (the bell, /notifications) and, as each
-- person chooses per kind, mailed at once or in a daily digest.
CREATE TABLE notifications (
    tenant_id  bigint NOT NULL,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    user_id    bigint NOT NULL,
    kind       text NOT NULL,
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body       text NOT NULL DEFAULT '' CHECK (length(body) <= 500),
    url        text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    read_at    timestamptz,
    -- How it goes by e-mail, decided when it is made: immediate (a job
    -- mails it), daily (the digest takes it), off; and when it went.
    channel    text NOT NULL CHECK (channel IN ('off', 'immediate', 'daily')),
    mailed_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
-- A person's list, newest first; and their unread count (the bell).
CREATE INDEX notifications_user_idx ON notifications (tenant_id, user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (tenant_id, user_id) WHERE read_at IS NULL;
-- The digest's work: daily notifications not mailed yet.
CREATE INDEX notifications_digest_idx ON notifications (tenant_id, user_id, id) WHERE channel = 'daily' AND mailed_at IS NULL;

-- What each person chose, per kind; no row: the kind's default.
CREATE TABLE notification_preferences (
    tenant_id bigint NOT NULL,
    user_id   bigint NOT NULL,
    kind      text NOT NULL,
    channel   text NOT NULL CHECK (channel IN ('off', 'immediate', 'daily')),
    PRIMARY KEY (tenant_id, user_id, kind),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['notifications', 'notification_preferences'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;

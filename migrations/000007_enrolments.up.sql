-- Enrolments: a learner taking a course. The learner keeps the published
-- version they started (version) until they restart, which begins a new
-- attempt on the version published then. Progress (later migrations) is
-- recorded per enrolment and attempt.
CREATE TABLE enrolments (
    tenant_id        bigint NOT NULL REFERENCES tenants (id),
    id               bigint GENERATED ALWAYS AS IDENTITY,
    course_id        bigint NOT NULL,
    user_id          bigint NOT NULL,
    version          integer NOT NULL,
    attempt          integer NOT NULL DEFAULT 1 CHECK (attempt > 0),
    source           text NOT NULL CHECK (source IN ('self', 'assigned', 'code')),
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed')),
    due_at           timestamptz,
    enrolled_at      timestamptz NOT NULL DEFAULT now(),
    -- When the current attempt began (enrolment, or the last restart).
    started_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id, version) REFERENCES course_versions (tenant_id, course_id, version),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
-- One enrolment per learner and course; also the course page's lookup.
CREATE UNIQUE INDEX enrolments_course_user_key ON enrolments (tenant_id, course_id, user_id);
-- "My learning".
CREATE INDEX enrolments_user_idx ON enrolments (tenant_id, user_id);

ALTER TABLE enrolments ENABLE ROW LEVEL SECURITY;
ALTER TABLE enrolments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON enrolments
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- SCORM: imported packages and learners' attempts at their SCOs.

-- One uploaded version of a package, as a course of the portal. Its files
-- are extracted under DATA_DIR/scorm/<tenant>/<id>/; the manifest as
-- parsed (internal/scorm.Package) is kept, so a launch needs no file read
-- to know the item's rules. A new upload for the same course is a new row
-- (version + 1); the course's draft then names it, and what learners see
-- moves to it when the course is published again.
CREATE TABLE scorm_packages (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    id            bigint GENERATED ALWAYS AS IDENTITY,
    course_id     bigint NOT NULL,
    version       integer NOT NULL CHECK (version > 0),
    scorm_version text NOT NULL CHECK (scorm_version IN ('1.2', '2004 2nd Edition', '2004 3rd Edition', '2004 4th Edition')),
    manifest      jsonb NOT NULL,
    file_count    integer NOT NULL,
    bytes         bigint NOT NULL,
    created_by    bigint,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, course_id, version),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by)
);

-- One attempt of a learner at a SCO: the CMI the SCO wrote (data) and its
-- summary in columns for reports. Kept by the enrolment, its course
-- attempt and the SCO block's key, which an import derives from the
-- item's identifier, so a new version of the package keeps the records.
-- An attempt that finished (completed) makes the next launch a new one.
CREATE TABLE scorm_attempts (
    tenant_id        bigint NOT NULL,
    enrolment_id     bigint NOT NULL,
    course_attempt   integer NOT NULL,
    block_key        text NOT NULL,
    attempt          integer NOT NULL CHECK (attempt > 0),
    package_id       bigint NOT NULL,
    scorm_version    text NOT NULL,
    data             jsonb NOT NULL,
    lesson_status    text NOT NULL DEFAULT '',
    completion       text NOT NULL,
    success          text NOT NULL,
    score_raw        double precision,
    score_min        double precision,
    score_max        double precision,
    score_scaled     double precision,
    location         text NOT NULL DEFAULT '',
    suspend_data     text NOT NULL DEFAULT '',
    exit             text NOT NULL DEFAULT '',
    -- The runtime session the last commit came from, and the total time
    -- before it: a session's commits each carry the whole session's time.
    session_id       text NOT NULL,
    session_base_ms  bigint NOT NULL DEFAULT 0,
    total_time_ms    bigint NOT NULL DEFAULT 0,
    commits          integer NOT NULL DEFAULT 0,
    started_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    completed_at     timestamptz,
    PRIMARY KEY (tenant_id, enrolment_id, course_attempt, block_key, attempt),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES enrolments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, package_id) REFERENCES scorm_packages (tenant_id, id)
);
CREATE INDEX scorm_attempts_package_idx ON scorm_attempts (tenant_id, package_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['scorm_packages', 'scorm_attempts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;

-- The key that signs launch tokens of the content host, one for every
-- server process (so any process checks any token). Made on first start.
CREATE TABLE platform_secrets (
    name       text PRIMARY KEY,
    secret     bytea NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Learning records of SCOs: their status changes and scores.
ALTER TABLE statements DROP CONSTRAINT statements_object_type_check;
ALTER TABLE statements ADD CONSTRAINT statements_object_type_check CHECK (object_type IN ('course', 'lesson', 'quiz', 'path', 'sco'));

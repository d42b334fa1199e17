-- Learning: how learners come to courses (self-enrolment, codes,
-- assignments), what they do in them (lesson progress, answers to
-- reflections and checklists, quiz attempts), what they earn (certificates),
-- and the xAPI-shaped statements every step leaves behind.

-- btree_gin lets a full-text index lead with tenant_id like every other.
CREATE EXTENSION IF NOT EXISTS btree_gin;

ALTER TABLE courses
    ADD COLUMN self_enrol boolean NOT NULL DEFAULT true,
    -- A code learners type to enrol in a course not open to all.
    ADD COLUMN enrol_code text CHECK (enrol_code ~ '^[A-Z0-9]{6,16}$'),
    ADD COLUMN cover text,
    -- The catalog's search text, set when a version is published.
    ADD COLUMN search tsvector NOT NULL DEFAULT ''::tsvector;
CREATE UNIQUE INDEX courses_enrol_code_key ON courses (tenant_id, enrol_code) WHERE enrol_code IS NOT NULL;
CREATE INDEX courses_search_idx ON courses USING gin (tenant_id, search);

ALTER TABLE enrolments DROP CONSTRAINT enrolments_status_check;
ALTER TABLE enrolments
    ADD CONSTRAINT enrolments_status_check CHECK (status IN ('active', 'completed', 'withdrawn')),
    ADD COLUMN percent smallint NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
    ADD COLUMN time_spent_seconds integer NOT NULL DEFAULT 0 CHECK (time_spent_seconds >= 0),
    ADD COLUMN first_access_at timestamptz,
    ADD COLUMN last_access_at timestamptz,
    -- Where "Continue" takes the learner.
    ADD COLUMN last_lesson_key text;

-- A lesson of an enrolment's attempt: seen, then complete. Rows are only
-- ever added or moved forward, so progress never goes backwards.
CREATE TABLE lesson_progress (
    tenant_id          bigint NOT NULL,
    enrolment_id       bigint NOT NULL,
    attempt            integer NOT NULL,
    lesson_key         text NOT NULL,
    first_seen_at      timestamptz NOT NULL,
    completed_at       timestamptz,
    time_spent_seconds integer NOT NULL DEFAULT 0 CHECK (time_spent_seconds >= 0),
    PRIMARY KEY (tenant_id, enrolment_id, attempt, lesson_key),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES enrolments (tenant_id, id) ON DELETE CASCADE
);

-- The learner's own answers: a reflection's text, a checklist's ticks and
-- dates. Private to the learner.
CREATE TABLE block_responses (
    tenant_id    bigint NOT NULL,
    enrolment_id bigint NOT NULL,
    attempt      integer NOT NULL,
    block_key    text NOT NULL,
    body         jsonb NOT NULL,
    done         boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, enrolment_id, attempt, block_key),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES enrolments (tenant_id, id) ON DELETE CASCADE
);

-- Each submitted quiz, numbered per quiz within a course attempt; the
-- number makes a resubmitted form count once.
CREATE TABLE quiz_attempts (
    tenant_id    bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    enrolment_id bigint NOT NULL,
    attempt      integer NOT NULL,
    block_key    text NOT NULL,
    number       integer NOT NULL CHECK (number > 0),
    answers      jsonb NOT NULL, -- per question, the chosen options' indexes
    score        smallint NOT NULL CHECK (score BETWEEN 0 AND 100),
    passed       boolean NOT NULL,
    submitted_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, enrolment_id, attempt, block_key, number),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES enrolments (tenant_id, id) ON DELETE CASCADE
);

-- Courses given to people or groups by an admin, with an optional due date.
CREATE TABLE assignments (
    tenant_id   bigint NOT NULL REFERENCES tenants (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    course_id   bigint NOT NULL,
    user_id     bigint,
    group_id    bigint,
    due_at      timestamptz,
    assigned_by bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK (num_nonnulls(user_id, group_id) = 1),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX assignments_course_idx ON assignments (tenant_id, course_id);
CREATE INDEX assignments_group_idx ON assignments (tenant_id, group_id) WHERE group_id IS NOT NULL;

CREATE TABLE path_enrolments (
    tenant_id    bigint NOT NULL REFERENCES tenants (id),
    id           bigint GENERATED ALWAYS AS IDENTITY,
    path_id      bigint NOT NULL,
    user_id      bigint NOT NULL,
    enrolled_at  timestamptz NOT NULL,
    completed_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, path_id, user_id),
    FOREIGN KEY (tenant_id, path_id) REFERENCES paths (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX path_enrolments_user_idx ON path_enrolments (tenant_id, user_id);

-- A certificate keeps the name and title it was issued with.
CREATE TABLE certificates (
    tenant_id    bigint NOT NULL REFERENCES tenants (id),
    id           bigint GENERATED ALWAYS AS IDENTITY,
    user_id      bigint NOT NULL,
    course_id    bigint,
    path_id      bigint,
    code         text NOT NULL CHECK (code ~ '^[A-Z0-9]{16}$'),
    learner_name text NOT NULL,
    title        text NOT NULL,
    issued_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK (num_nonnulls(course_id, path_id) = 1),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id),
    FOREIGN KEY (tenant_id, path_id) REFERENCES paths (tenant_id, id)
);
CREATE UNIQUE INDEX certificates_course_key ON certificates (tenant_id, user_id, course_id) WHERE course_id IS NOT NULL;
CREATE UNIQUE INDEX certificates_path_key ON certificates (tenant_id, user_id, path_id) WHERE path_id IS NOT NULL;
CREATE UNIQUE INDEX certificates_code_key ON certificates (tenant_id, code);

-- The public verification page has a code and no portal: this platform
-- table (no tenant policy) says whose certificate a code is, and nothing
-- else; the certificate itself is then read in its tenant.
CREATE TABLE certificate_codes (
    code           text PRIMARY KEY,
    tenant_id      bigint NOT NULL REFERENCES tenants (id),
    certificate_id bigint NOT NULL
);

-- Learning records, shaped like xAPI statements.
CREATE TABLE statements (
    tenant_id   bigint NOT NULL REFERENCES tenants (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    user_id     bigint NOT NULL,
    verb        text NOT NULL,  -- an ADL verb IRI
    object_type text NOT NULL CHECK (object_type IN ('course', 'lesson', 'quiz', 'path')),
    object_id   text NOT NULL,  -- e.g. course/12/lesson/l-ab12
    object_name text NOT NULL,
    result      jsonb,
    context     jsonb,
    "timestamp" timestamptz NOT NULL,
    stored      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX statements_user_idx ON statements (tenant_id, user_id, "timestamp");
CREATE INDEX statements_stored_idx ON statements (tenant_id, stored);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['lesson_progress', 'block_responses', 'quiz_attempts', 'assignments', 'path_enrolments', 'certificates', 'statements'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;

-- What a manager does for their direct reports from "My team": nudges
-- about an assigned course, and comments on a shared action plan.

-- A nudge: a notification (and e-mail) to a report about an assigned
-- course not yet completed. One per report, course and UTC day: the
-- unique key decides, so two clicks at once still make one.
CREATE TABLE nudges (
    tenant_id  bigint NOT NULL,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    user_id    bigint NOT NULL, -- the report nudged
    course_id  bigint NOT NULL,
    manager_id bigint NOT NULL,
    day        date NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, user_id, course_id, day),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, manager_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX nudges_course_idx ON nudges (tenant_id, course_id);
CREATE INDEX nudges_manager_idx ON nudges (tenant_id, manager_id);

-- A comment by a manager on an action plan their report shared; it goes
-- with the plan (the response of one attempt).
CREATE TABLE plan_comments (
    tenant_id    bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    enrolment_id bigint NOT NULL,
    attempt      integer NOT NULL,
    block_key    text NOT NULL,
    author_id    bigint NOT NULL,
    body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, enrolment_id, attempt, block_key)
        REFERENCES block_responses (tenant_id, enrolment_id, attempt, block_key) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
-- A plan's comments in order (the manager's and the learner's pages).
CREATE INDEX plan_comments_plan_idx ON plan_comments (tenant_id, enrolment_id, attempt, block_key, id);
CREATE INDEX plan_comments_author_idx ON plan_comments (tenant_id, author_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['nudges', 'plan_comments'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;
